// LakeStoreContract: what the commit protocol relies on of a LakeStore (protocol/lake_store.h), written
// once and run against every implementation, the in-memory one (FakeLakeStore) and the Parquet one
// (LakeWriterStore on a temporary directory), so that the fake cannot drift from the adapter. Rows taken
// from a partition's buffer are written as hidden files of one batch spanning their first and last
// offsets, and appends go on after them; publishing makes a batch's files visible, again and again;
// recovering a partition publishes the batches recorded and deletes its other hidden files, and no
// other partition's, and drops its buffer; recovering it again changes nothing.
//
// An implementation runs the suite through INSTANTIATE_TEST_SUITE_P(name, LakeStoreContract,
// ::testing::Values(LakeStoreImplementation{...}), ImplementationName<LakeStoreUnderTest>).
//
// Thread safety: a test's.
#pragma once

#include <set>
#include <string>

#include "protocol/lake_store.h"
#include "protocol/testing/contract.h"

namespace clickstream {

// The lake's files, by their paths relative to its root.
struct LakeFiles {
  std::set<std::string> hidden;
  std::set<std::string> visible;
};

// One implementation's store on an empty lake, and what a reader of its files sees.
class LakeStoreUnderTest {
 public:
  virtual ~LakeStoreUnderTest() = default;

  virtual LakeStore& store() = 0;
  virtual LakeFiles Files() const = 0;
};

using LakeStoreImplementation = ContractImplementation<LakeStoreUnderTest>;
using LakeStoreContract = Contract<LakeStoreUnderTest>;

}  // namespace clickstream
