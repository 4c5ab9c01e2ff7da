// ResultStoreContract: what the commit protocol relies on of a ResultStore (protocol/result_store.h),
// written once and run against every implementation, the in-memory one (FakeResultStore) and the
// PostgreSQL one (PostgresResultStore against a server), so that the fake cannot drift from the adapter.
// A claim raises the partition's fence and returns what the partition's last commit left: its next
// offset, watermark, engine snapshot and the lake batches not known to be published, oldest first. A
// commit under a fence claimed since, or leaving a partition out before it commits, writes nothing and
// names the partitions. A commit retried after it was applied changes nothing, and a lake batch recorded
// again is kept once.
//
// An implementation runs the suite through INSTANTIATE_TEST_SUITE_P(name, ResultStoreContract,
// ::testing::Values(ResultStoreImplementation{...}), ImplementationName<ResultStore>).
//
// Thread safety: a test's.
#pragma once

#include "protocol/result_store.h"
#include "protocol/testing/contract.h"

namespace clickstream {

// Makes a store on empty durable state: no partition claimed or committed.
using ResultStoreImplementation = ContractImplementation<ResultStore>;
using ResultStoreContract = Contract<ResultStore>;

}  // namespace clickstream
