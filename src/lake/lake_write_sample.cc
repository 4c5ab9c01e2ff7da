// Writes a small lake for lake_read_test.py: rows of two partitions across a UTC midnight, one
// published batch per partition and one sealed batch left hidden (offsets from 1000), as after a crash
// between Seal and the commit; every third row with other members. Prints the number of published rows.
#include <cstdio>
#include <string>

#include "lake/lake_writer.h"

namespace clickstream {
namespace {

constexpr int64_t kRowsPerPartition = 500;
// 2026-03-01T23:00:00Z; rows advance 15 s each, so the last 260 fall on March 2.
constexpr int64_t kStartMicros = 1'772'406'000'000'000;

Status AppendRows(LakeWriter& writer, Partition p, int64_t first_offset, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    const std::string user = "user_" + std::to_string(i % 13);
    const std::string url = "https://example.com/p/" + std::to_string(i % 50);
    const EventTime t = EventTime::FromMicros(kStartMicros) + Duration::Seconds(15 * i);
    // Every third row carries other members (Event::attributes); the others none.
    const std::string attributes =
        i % 3 == 0 ? R"({"i":)" + std::to_string(i) + R"(,"exact":0.1000000000000000055511151231257827,)"
                         R"("s":"caf\u00e9","o":{"a":[1,{"b":null}]}})"
                   : "";
    const LakeRow row{
        t, user, url, static_cast<EventType>(i % 4), i % 10 == 0, t + Duration::Seconds(1), attributes};
    CS_RETURN_NOT_OK(writer.Append(p, Offset(first_offset + i), row));
  }
  return Status::OK();
}

Status WriteSample(const std::string& root) {
  LakeOptions options;
  options.root = root;
  options.writer_id = "sample";
  options.compression = LakeCompression::kSnappy;  // zstd is covered by lake_writer_test
  CS_ASSIGN_OR_RETURN(auto writer, LakeWriter::Open(options));
  for (const Partition p : {Partition(0), Partition(1)}) {
    CS_RETURN_NOT_OK(AppendRows(*writer, p, 0, kRowsPerPartition));
    CS_ASSIGN_OR_RETURN(const std::optional<Batch> batch, writer->Seal(p));
    CS_RETURN_NOT_OK(writer->Publish(*batch));
  }
  CS_RETURN_NOT_OK(AppendRows(*writer, Partition(0), 1000, 10));
  return writer->Seal(Partition(0)).status();
}

}  // namespace
}  // namespace clickstream

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s LAKE_DIR\n", argv[0]);
    return 2;
  }
  const clickstream::Status st = clickstream::WriteSample(argv[1]);
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.message().c_str());
    return 1;
  }
  std::printf("%lld\n", static_cast<long long>(2 * clickstream::kRowsPerPartition));
  return 0;
}
