// The LakeStore contract (protocol/testing/lake_store_contract.h) against LakeWriterStore on a Parquet
// lake in a temporary directory; protocol/testing/fake_contract_test.cc runs it against FakeLakeStore.
#include <unistd.h>

#include <filesystem>

#include "lake/lake_writer.h"
#include "protocol/testing/lake_store_contract.h"
#include "service/lake_writer_store.h"

namespace clickstream {
namespace {

namespace fs = std::filesystem;

// A lake of its own, removed with it.
class LakeWriterStoreUnderTest final : public LakeStoreUnderTest {
 public:
  LakeWriterStoreUnderTest() {
    static int lakes = 0;
    root_ = fs::path(::testing::TempDir()) /
            ("lake_store_contract_" + std::to_string(::getpid()) + "_" + std::to_string(++lakes));
    fs::remove_all(root_);
    Result<std::unique_ptr<LakeWriter>> writer = LakeWriter::Open({.root = root_.string(), .writer_id = "w"});
    EXPECT_TRUE(writer.ok()) << writer.status().message();
    if (!writer.ok()) return;
    writer_ = std::move(writer).value();
    store_ = std::make_unique<LakeWriterStore>(writer_.get());
  }
  ~LakeWriterStoreUnderTest() override { fs::remove_all(root_); }

  LakeStore& store() override { return *store_; }
  LakeFiles Files() const override {
    LakeFiles files;
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(root_)) {
      if (!entry.is_regular_file()) continue;
      const std::string path = fs::relative(entry.path(), root_).string();
      (entry.path().filename().string().starts_with(".") ? files.hidden : files.visible).insert(path);
    }
    return files;
  }

  bool opened() const { return store_ != nullptr; }

 private:
  fs::path root_;
  std::unique_ptr<LakeWriter> writer_;
  std::unique_ptr<LakeWriterStore> store_;
};

std::unique_ptr<LakeStoreUnderTest> EmptyLake() {
  auto lake = std::make_unique<LakeWriterStoreUnderTest>();
  if (!lake->opened()) return nullptr;
  return lake;
}

INSTANTIATE_TEST_SUITE_P(Adapter, LakeStoreContract,
                         ::testing::Values(LakeStoreImplementation{"LakeWriterStore", EmptyLake}),
                         ImplementationName<LakeStoreUnderTest>);

}  // namespace
}  // namespace clickstream
