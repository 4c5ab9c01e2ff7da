// The contract suites' common part (partition_transactions_contract.h, result_store_contract.h,
// lake_store_contract.h, record_source_contract.h): a suite is a value-parameterized fixture,
// Contract<UnderTest>, whose cases run against each implementation an instantiation names: a
// ContractImplementation<UnderTest> making the object under test afresh for every case.
// ImplementationName names the instantiated cases after it.
//
// Thread safety: a test's.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

namespace clickstream {

template <typename UnderTest>
struct ContractImplementation {
  std::string name;  // of the instantiation's cases
  // On empty durable state; null when it could not be made (the case fails).
  std::function<std::unique_ptr<UnderTest>()> make;
};

template <typename UnderTest>
class Contract : public ::testing::TestWithParam<ContractImplementation<UnderTest>> {
 protected:
  void SetUp() override {
    under_test_ = this->GetParam().make();
    ASSERT_NE(under_test_, nullptr);
  }

  std::unique_ptr<UnderTest> under_test_;
};

template <typename UnderTest>
std::string ImplementationName(const ::testing::TestParamInfo<ContractImplementation<UnderTest>>& info) {
  return info.param.name;
}

}  // namespace clickstream
