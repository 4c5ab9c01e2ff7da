#include "lake/lake_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/rfc3339.h"
#include "lake/arrow_headers.h"
#include "lake/row_buffer.h"

namespace clickstream {
namespace {

namespace fs = std::filesystem;

EventTime Time(std::string_view rfc3339) { return *ParseRfc3339(rfc3339); }

// A row as read back from a file.
struct ReadRow {
  int64_t event_time;
  std::string user_id;
  std::string page_url;
  std::string event_type;
  bool is_late;
  int32_t partition;
  int64_t offset;
  int64_t processing_time;
  auto operator<=>(const ReadRow&) const = default;
};

struct Input {
  Partition partition;
  Offset offset;
  Event event;
  bool is_late;
  EventTime processing_time;

  ReadRow Expected() const {
    return {event.event_time.micros(),
            event.user_id,
            event.page_url,
            std::string(EventTypeName(event.event_type)),
            is_late,
            partition.id(),
            offset.value(),
            processing_time.micros()};
  }
};

class LakeWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ =
        fs::path(::testing::TempDir()) / ("lake_writer_test_" + std::to_string(::getpid()) + "_" +
                                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  LakeOptions Options(std::string writer_id = "w1") const {
    LakeOptions options;
    options.root = root_.string();
    options.writer_id = std::move(writer_id);
    return options;
  }

  std::unique_ptr<LakeWriter> OpenWriter(std::string writer_id = "w1") const {
    auto writer = LakeWriter::Open(Options(std::move(writer_id)));
    EXPECT_TRUE(writer.ok()) << writer.status().message();
    return std::move(writer).value();
  }

  static Status TryAppend(LakeWriter& writer, const Input& in) {
    return writer.Append(in.partition, in.offset, LakeRow::Of(in.event, in.is_late, in.processing_time));
  }

  static void Append(LakeWriter& writer, const Input& in) {
    const Status st = TryAppend(writer, in);
    ASSERT_TRUE(st.ok()) << st.message();
  }

  static Batch Seal(LakeWriter& writer, Partition p) {
    auto batch = writer.Seal(p);
    EXPECT_TRUE(batch.ok()) << batch.status().message();
    EXPECT_TRUE(batch->has_value());
    return **batch;
  }

  // Every regular file under the root, relative to it.
  std::set<std::string> Files() const {
    std::set<std::string> files;
    if (!fs::exists(root_)) return files;
    for (const auto& entry : fs::recursive_directory_iterator(root_)) {
      if (entry.is_regular_file()) files.insert(fs::relative(entry.path(), root_).string());
    }
    return files;
  }

  // The table of one file, read with Arrow's Parquet reader.
  std::shared_ptr<arrow::Table> ReadTable(const std::string& relative) const {
    auto file = arrow::io::ReadableFile::Open((root_ / relative).string());
    EXPECT_TRUE(file.ok()) << file.status().ToString();
    auto reader = parquet::arrow::OpenFile(*file, arrow::default_memory_pool());
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    std::shared_ptr<arrow::Table> table;
    EXPECT_TRUE((*reader)->ReadTable(&table).ok());
    return table;
  }

  std::vector<ReadRow> ReadRows(const std::string& relative) const {
    const std::shared_ptr<arrow::Table> table = ReadTable(relative)->CombineChunks().ValueOrDie();
    auto column = [&](int i) { return table->column(i)->chunk(0); };
    const auto& event_time = static_cast<const arrow::TimestampArray&>(*column(0));
    const auto& user_id = static_cast<const arrow::StringArray&>(*column(1));
    const auto& page_url = static_cast<const arrow::StringArray&>(*column(2));
    const auto& event_type = static_cast<const arrow::StringArray&>(*column(3));
    const auto& is_late = static_cast<const arrow::BooleanArray&>(*column(4));
    const auto& partition = static_cast<const arrow::Int32Array&>(*column(5));
    const auto& offset = static_cast<const arrow::Int64Array&>(*column(6));
    const auto& processing_time = static_cast<const arrow::TimestampArray&>(*column(7));
    std::vector<ReadRow> rows;
    for (int64_t i = 0; i < table->num_rows(); ++i) {
      rows.push_back({event_time.Value(i), user_id.GetString(i), page_url.GetString(i),
                      event_type.GetString(i), is_late.Value(i), partition.Value(i), offset.Value(i),
                      processing_time.Value(i)});
    }
    return rows;
  }

  fs::path root_;
};

Input Row(int32_t partition, int64_t offset, std::string_view event_time, bool is_late = false) {
  return {Partition(partition),
          Offset(offset),
          {Time(event_time), "user_" + std::to_string(offset % 7),
           "https://example.com/p/" + std::to_string(offset), static_cast<EventType>(offset % 4)},
          is_late,
          Time("2026-03-02T00:00:05Z") + Duration::Micros(offset)};
}

// Two partitions, each with rows on both sides of a UTC midnight (one of them late).
std::vector<Input> TwoDatesTwoPartitions() {
  return {Row(0, 10, "2026-03-01T23:59:59.999999Z"), Row(0, 11, "2026-03-02T00:00:00Z"),
          Row(1, 5, "2026-03-02T00:00:01Z"),         Row(0, 15, "2026-03-02T00:00:02.5Z"),
          Row(1, 6, "2026-03-01T12:00:00Z", true),   Row(1, 9, "2026-03-02T00:00:03Z")};
}

TEST_F(LakeWriterTest, WritesEveryRowUnderItsUtcDateAndPublishesAfterSeal) {
  auto writer = OpenWriter();
  const std::vector<Input> input = TwoDatesTwoPartitions();
  for (const Input& in : input) Append(*writer, in);

  const Batch b0 = Seal(*writer, Partition(0));
  const Batch b1 = Seal(*writer, Partition(1));
  EXPECT_EQ(b0.partition, Partition(0));
  EXPECT_EQ(b0.first_offset, Offset(10));
  EXPECT_EQ(b0.last_offset, Offset(15));
  EXPECT_EQ(b1.first_offset, Offset(5));
  EXPECT_EQ(b1.last_offset, Offset(9));
  const std::vector<std::string> b0_files = {
      "event_date=2026-03-01/.part-p0-o0000000000000000010-o0000000000000000015.parquet.w1.inprogress",
      "event_date=2026-03-02/.part-p0-o0000000000000000010-o0000000000000000015.parquet.w1.inprogress"};
  EXPECT_EQ(b0.files, b0_files);
  // Sealed but not published: only hidden files.
  EXPECT_EQ(Files(), (std::set<std::string>{b0_files[0], b0_files[1], b1.files[0], b1.files[1]}));

  ASSERT_TRUE(writer->Publish(b0).ok());
  ASSERT_TRUE(writer->Publish(b1).ok());
  const std::set<std::string> visible = {
      "event_date=2026-03-01/part-p0-o0000000000000000010-o0000000000000000015.parquet",
      "event_date=2026-03-02/part-p0-o0000000000000000010-o0000000000000000015.parquet",
      "event_date=2026-03-01/part-p1-o0000000000000000005-o0000000000000000009.parquet",
      "event_date=2026-03-02/part-p1-o0000000000000000005-o0000000000000000009.parquet"};
  ASSERT_EQ(Files(), visible);

  std::vector<ReadRow> read;
  for (const std::string& file : visible) {
    const std::shared_ptr<arrow::Table> table = ReadTable(file);
    EXPECT_TRUE(table->schema()->Equals(*LakeSchema())) << table->schema()->ToString();
    const std::string date = file.substr(std::string("event_date=").size(), 10);
    for (const ReadRow& row : ReadRows(file)) {
      EXPECT_EQ(FormatDate(EventTime::FromMicros(row.event_time)), date) << file;
      read.push_back(row);
    }
  }
  std::vector<ReadRow> expected;
  for (const Input& in : input) expected.push_back(in.Expected());
  std::sort(read.begin(), read.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(read, expected);
}

TEST_F(LakeWriterTest, WritesCompressedFiles) {
  auto writer = OpenWriter();
  Append(*writer, Row(0, 1, "2026-03-01T10:00:00Z"));
  const Batch batch = Seal(*writer, Partition(0));
  auto file = arrow::io::ReadableFile::Open((root_ / batch.files[0]).string());
  ASSERT_TRUE(file.ok());
  const auto metadata = parquet::ParquetFileReader::Open(*file)->metadata();
  EXPECT_EQ(metadata->RowGroup(0)->ColumnChunk(1)->compression(), arrow::Compression::ZSTD);
}

TEST_F(LakeWriterTest, SealOfAnEmptyPartitionGivesNoBatch) {
  auto writer = OpenWriter();
  auto batch = writer->Seal(Partition(3));
  ASSERT_TRUE(batch.ok());
  EXPECT_FALSE(batch->has_value());
  EXPECT_TRUE(Files().empty());
}

TEST_F(LakeWriterTest, BatchRoundTripsThroughText) {
  auto writer = OpenWriter();
  for (const Input& in : TwoDatesTwoPartitions()) Append(*writer, in);
  const Batch batch = Seal(*writer, Partition(1));
  const std::string text = batch.Serialize();
  EXPECT_EQ(text.find('\n'), std::string::npos);
  auto parsed = Batch::Parse(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(*parsed, batch);
}

TEST(BatchParse, RejectsRecordsThatCouldPointAtOtherFiles) {
  const std::string name = ".part-p3-o0000000000000000100-o0000000000000000199.parquet.w1.inprogress";
  auto text = [](std::string_view partition, std::string_view path) {
    return "{\"partition\":" + std::string(partition) +
           ",\"first_offset\":100,\"last_offset\":199,\"files\":[\"" + std::string(path) + "\"]}";
  };
  EXPECT_TRUE(Batch::Parse(text("3", "event_date=2026-03-01/" + name)).ok());
  EXPECT_FALSE(Batch::Parse(text("4", "event_date=2026-03-01/" + name)).ok());  // another partition's
  EXPECT_FALSE(Batch::Parse(text("3", "event_date=2026-03-01/../../x/" + name)).ok());
  EXPECT_FALSE(Batch::Parse(text("3", "../../etc/passwd")).ok());
  EXPECT_FALSE(Batch::Parse(text("3", "event_date=2026-03-01/" + name.substr(1))).ok());  // not hidden
  EXPECT_FALSE(Batch::Parse("not json").ok());
  EXPECT_FALSE(Batch::Parse("{\"partition\":3}").ok());
  EXPECT_EQ(Batch::Parse("{}").status().code(), StatusCode::kInvalidData);
}

TEST_F(LakeWriterTest, CrashBeforeTheBatchIsRecordedLeavesNothing) {
  {
    auto writer = OpenWriter();
    for (const Input& in : TwoDatesTwoPartitions()) Append(*writer, in);
    Seal(*writer, Partition(0));
    Seal(*writer, Partition(1));
  }  // crash: neither batch was recorded

  auto restarted = OpenWriter("w2");
  ASSERT_TRUE(restarted->Recover(Partition(0), {}).ok());
  for (const std::string& file : Files()) EXPECT_NE(file.find(".part-p1-"), std::string::npos) << file;
  ASSERT_TRUE(restarted->Recover(Partition(1), {}).ok());
  EXPECT_TRUE(Files().empty());

  // Replay from the last commit (nothing) writes the offsets again, once.
  for (const Input& in : TwoDatesTwoPartitions()) Append(*restarted, in);
  ASSERT_TRUE(restarted->Publish(Seal(*restarted, Partition(0))).ok());
  EXPECT_EQ(Files().size(), 2u);
}

TEST_F(LakeWriterTest, CrashAfterTheBatchIsRecordedPublishesIt) {
  std::string recorded;
  {
    auto writer = OpenWriter();
    for (const Input& in : TwoDatesTwoPartitions()) Append(*writer, in);
    recorded = Seal(*writer, Partition(0)).Serialize();
    // A later batch, sealed but not recorded when the process dies.
    Append(*writer, Row(0, 20, "2026-03-02T01:00:00Z"));
    Seal(*writer, Partition(0));
  }

  auto restarted = OpenWriter("w2");
  auto batch = Batch::Parse(recorded);
  ASSERT_TRUE(batch.ok());
  ASSERT_TRUE(restarted->Recover(Partition(0), {*batch}).ok());
  EXPECT_EQ(Files(), (std::set<std::string>{
                         "event_date=2026-03-01/part-p0-o0000000000000000010-o0000000000000000015.parquet",
                         "event_date=2026-03-02/part-p0-o0000000000000000010-o0000000000000000015.parquet"}));

  // The caller resumes after the recorded offsets; older ones are refused.
  const Status again = TryAppend(*restarted, Row(0, 15, "2026-03-02T00:00:00Z"));
  EXPECT_EQ(again.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(again.message().find("offset 15 of partition 0 is not after 15"), std::string::npos)
      << again.message();
  Append(*restarted, Row(0, 16, "2026-03-02T01:00:00Z"));
}

TEST_F(LakeWriterTest, PublishIsIdempotent) {
  auto writer = OpenWriter();
  for (const Input& in : TwoDatesTwoPartitions()) Append(*writer, in);
  const Batch batch = Seal(*writer, Partition(0));
  ASSERT_TRUE(writer->Publish(batch).ok());
  const std::set<std::string> once = Files();
  ASSERT_TRUE(writer->Publish(batch).ok());
  ASSERT_TRUE(writer->Recover(Partition(0), {batch}).ok());
  EXPECT_EQ(Files(), once);
  EXPECT_EQ(ReadRows(*once.begin()).size() + ReadRows(*once.rbegin()).size(), 3u);
}

TEST_F(LakeWriterTest, PublishOfARecordedFileThatVanishedIsAnError) {
  auto writer = OpenWriter();
  Append(*writer, Row(2, 7, "2026-03-01T10:00:00Z"));
  const Batch batch = Seal(*writer, Partition(2));
  fs::remove(root_ / batch.files[0]);
  const Status st = writer->Publish(batch);
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_NE(st.message().find((root_ / batch.files[0]).string()), std::string::npos) << st.message();
}

TEST_F(LakeWriterTest, RollsBySizeAndByAge) {
  LakeOptions options = Options();
  options.roll_bytes = 1000;
  options.roll_age = Duration::Seconds(60);
  auto writer = std::move(LakeWriter::Open(options)).value();
  const Input first = Row(0, 0, "2026-03-01T10:00:00Z");
  EXPECT_FALSE(writer->ShouldSeal(Partition(0), first.processing_time));
  Append(*writer, first);
  EXPECT_FALSE(writer->ShouldSeal(Partition(0), first.processing_time + Duration::Seconds(59)));
  EXPECT_TRUE(writer->ShouldSeal(Partition(0), first.processing_time + Duration::Seconds(60)));
  EXPECT_FALSE(writer->Full(Partition(0)));  // old, not full
  int64_t offset = 1;
  while (!writer->ShouldSeal(Partition(0), first.processing_time))
    Append(*writer, Row(0, offset++, "2026-03-01T10:00:00Z"));
  // About 85 bytes a row: the size limit, not the age, sealed it.
  EXPECT_GT(offset, 5);
  EXPECT_LT(offset, 20);
  EXPECT_TRUE(writer->Full(Partition(0)));
  EXPECT_FALSE(writer->Full(Partition(1)));
  Seal(*writer, Partition(0));
  EXPECT_FALSE(writer->ShouldSeal(Partition(0), first.processing_time + Duration::Seconds(600)));
  EXPECT_FALSE(writer->Full(Partition(0)));
}

// The buffers and the Parquet writer take their memory from the process's malloc (LakeMemoryPool), none
// from Arrow's default pool, and give it all back once the rows are written.
TEST_F(LakeWriterTest, BuffersComeFromTheProcessMallocAndGoBackAfterTheWrite) {
  arrow::MemoryPool* system = arrow::system_memory_pool();
  arrow::MemoryPool* arrow_default = arrow::default_memory_pool();
  const int64_t system_before = system->bytes_allocated();
  const int64_t default_before = arrow_default->bytes_allocated();
  auto writer = OpenWriter();
  for (int64_t offset = 0; offset < 10000; ++offset) Append(*writer, Row(0, offset, "2026-03-01T10:00:00Z"));
  EXPECT_GT(system->bytes_allocated(), system_before + 10000 * 50);
  if (arrow_default != system) {
    EXPECT_EQ(arrow_default->bytes_allocated(), default_before);
  }
  Seal(*writer, Partition(0));
  EXPECT_EQ(system->bytes_allocated(), system_before);
  if (arrow_default != system) {
    EXPECT_EQ(arrow_default->bytes_allocated(), default_before);
  }
}

TEST(LakeOptions, DefaultsAvoidSmallFiles) {
  const LakeOptions defaults;
  EXPECT_GE(defaults.roll_bytes, int64_t{64} << 20);
  EXPECT_GE(defaults.roll_age, Duration::Minutes(5));
  EXPECT_EQ(defaults.compression, LakeCompression::kZstd);
}

// Permission bits of a path.
unsigned Mode(const fs::path& path) { return static_cast<unsigned>(fs::status(path).permissions()) & 0777; }

TEST_F(LakeWriterTest, FilesAndFoldersAreNotWorldReadableWhateverTheUmask) {
  const mode_t old_umask = ::umask(0);  // the most permissive umask: the modes must not depend on it
  auto writer = OpenWriter();
  for (const Input& in : TwoDatesTwoPartitions()) Append(*writer, in);
  const Batch batch = Seal(*writer, Partition(0));
  ::umask(old_umask);
  ASSERT_TRUE(writer->Publish(batch).ok());
  EXPECT_EQ(Mode(root_), 0750u);
  const std::set<std::string> files = Files();
  ASSERT_EQ(files.size(), 2u);
  for (const std::string& file : files) {
    EXPECT_EQ(Mode(root_ / file), 0640u) << file;
    EXPECT_EQ(Mode((root_ / file).parent_path()), 0750u) << file;
  }
}

TEST_F(LakeWriterTest, ModesAreConfigurable) {
  LakeOptions options = Options();
  options.file_mode = 0600;
  options.dir_mode = 0700;
  auto writer = LakeWriter::Open(options);
  ASSERT_TRUE(writer.ok()) << writer.status().message();
  for (const Input& in : TwoDatesTwoPartitions()) Append(**writer, in);
  const Batch batch = Seal(**writer, Partition(1));
  ASSERT_TRUE((*writer)->Publish(batch).ok());
  EXPECT_EQ(Mode(root_), 0700u);
  for (const std::string& file : Files()) {
    EXPECT_EQ(Mode(root_ / file), 0600u) << file;
    EXPECT_EQ(Mode((root_ / file).parent_path()), 0700u) << file;
  }
  // Modes the writer itself could not use are refused.
  options.file_mode = 0440;
  EXPECT_EQ(LakeWriter::Open(options).status().code(), StatusCode::kInvalidArgument);
  options.file_mode = 0640;
  options.dir_mode = 0650;
  EXPECT_EQ(LakeWriter::Open(options).status().code(), StatusCode::kInvalidArgument);
  options.dir_mode = 01750;
  EXPECT_EQ(LakeWriter::Open(options).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LakeWriterTest, UnusableRootIsAClearError) {
  LakeOptions options = Options();
  options.root = "/dev/null/lake";
  auto writer = LakeWriter::Open(options);
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), StatusCode::kIoError);
  EXPECT_EQ(writer.status().message(),
            "lake: cannot create directory /dev/null/lake: Not a directory (check --lake-dir)");

  options.root = "";
  EXPECT_EQ(LakeWriter::Open(options).status().code(), StatusCode::kInvalidArgument);
  options = Options("bad/id");
  EXPECT_EQ(LakeWriter::Open(options).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LakeWriterTest, FailedSealKeepsTheRowsForARetry) {
  auto writer = OpenWriter();
  for (const Input& in : TwoDatesTwoPartitions()) Append(*writer, in);
  // A regular file where the second date's directory must go.
  std::ofstream(root_ / "event_date=2026-03-02") << "x";
  auto failed = writer->Seal(Partition(0));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(), "lake: cannot create directory " +
                                           (root_ / "event_date=2026-03-02").string() +
                                           ": Not a directory (check --lake-dir)");
  EXPECT_EQ(Files(), std::set<std::string>{"event_date=2026-03-02"});  // the first date's file was removed

  fs::remove(root_ / "event_date=2026-03-02");
  const Batch batch = Seal(*writer, Partition(0));
  ASSERT_TRUE(writer->Publish(batch).ok());
  EXPECT_EQ(ReadRows(VisiblePath(*ParseHiddenPath(batch.files[0]))).size() +
                ReadRows(VisiblePath(*ParseHiddenPath(batch.files[1]))).size(),
            3u);
}

TEST_F(LakeWriterTest, TakenRowsAreWrittenOnAnotherThreadWhileAppendsGoOn) {
  auto writer = OpenWriter();
  const std::vector<Input> first = {Row(0, 1, "2026-03-01T10:00:00Z"), Row(0, 2, "2026-03-02T10:00:00Z")};
  for (const Input& in : first) Append(*writer, in);
  std::optional<LakeWriter::TakenRows> taken = writer->Take(Partition(0));
  ASSERT_TRUE(taken.has_value());
  EXPECT_FALSE(writer->Take(Partition(0)).has_value());  // the buffer is empty now

  Result<Batch> written = Status::Internal("not run");
  std::thread background([&] { written = writer->Write(*taken); });
  const Input later = Row(0, 3, "2026-03-02T10:00:01Z");
  Append(*writer, later);
  EXPECT_FALSE(TryAppend(*writer, first[1]).ok());  // offsets still must grow past the taken rows
  background.join();
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_EQ(written->first_offset, Offset(1));
  EXPECT_EQ(written->last_offset, Offset(2));
  ASSERT_TRUE(writer->Publish(*written).ok());
  ASSERT_EQ(written->files.size(), 2u);
  EXPECT_EQ(ReadRows(VisiblePath(*ParseHiddenPath(written->files[0]))),
            std::vector<ReadRow>{first[0].Expected()});
  EXPECT_EQ(ReadRows(VisiblePath(*ParseHiddenPath(written->files[1]))),
            std::vector<ReadRow>{first[1].Expected()});

  const Batch rest = Seal(*writer, Partition(0));
  EXPECT_EQ(rest.first_offset, Offset(3));
  ASSERT_TRUE(writer->Publish(rest).ok());
  EXPECT_EQ(ReadRows(VisiblePath(*ParseHiddenPath(rest.files[0]))), std::vector<ReadRow>{later.Expected()});
}

TEST_F(LakeWriterTest, WritersWithDifferentIdsNeverShareAHiddenFile) {
  auto stale = OpenWriter("old");
  auto owner = OpenWriter("new");
  Append(*stale, Row(0, 1, "2026-03-01T10:00:00Z"));
  Append(*owner, Row(0, 1, "2026-03-01T10:00:00Z"));
  Seal(*stale, Partition(0));
  const Batch batch = Seal(*owner, Partition(0));
  EXPECT_EQ(Files().size(), 2u);
  // The new owner recovers with its recorded batch: the stale writer's file goes.
  ASSERT_TRUE(owner->Recover(Partition(0), {batch}).ok());
  EXPECT_EQ(Files(), std::set<std::string>{
                         "event_date=2026-03-01/part-p0-o0000000000000000001-o0000000000000000001.parquet"});
}

}  // namespace
}  // namespace clickstream
