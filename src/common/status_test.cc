#include "common/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace clickstream {
namespace {

TEST(StatusTest, OnlyUnavailableIsRetryable) {
  EXPECT_TRUE(Status::Unavailable("down").retryable());
  for (const Status& s :
       {Status::OK(), Status::InvalidArgument("a"), Status::InvalidData("d"), Status::IoError("i"),
        Status::NotFound("n"), Status::Fenced("f"), Status::Internal("x"), Status::Refused("r")}) {
    EXPECT_FALSE(s.retryable()) << static_cast<int>(s.code());
  }
}

Status FailIf(bool fail) { return fail ? Status::IoError("disk") : Status::OK(); }

Status TwoSteps(bool fail_second, int* steps) {
  CS_RETURN_NOT_OK(FailIf(false));
  ++*steps;
  CS_RETURN_NOT_OK(FailIf(fail_second));
  ++*steps;
  return Status::OK();
}

TEST(StatusTest, ReturnNotOkReturnsTheFirstError) {
  int steps = 0;
  EXPECT_TRUE(TwoSteps(false, &steps).ok());
  EXPECT_EQ(steps, 2);
  steps = 0;
  const Status st = TwoSteps(true, &steps);
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_EQ(st.message(), "disk");
  EXPECT_EQ(steps, 1);
}

Result<std::unique_ptr<int>> MakeInt(bool fail) {
  if (fail) return Status::NotFound("no int");
  return std::make_unique<int>(7);
}

Result<int> Doubled(bool fail) {
  CS_ASSIGN_OR_RETURN(auto p, MakeInt(fail));
  return *p * 2;
}

TEST(ResultTest, AssignOrReturnMovesTheValueOrReturnsTheError) {
  EXPECT_EQ(Doubled(false).value(), 14);
  const Result<int> r = Doubled(true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(), "no int");
}

TEST(ResultTest, AValueHasAnOkStatus) {
  Result<std::string> r(std::string("x"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.status().ok());
  EXPECT_EQ(*r, "x");
  EXPECT_EQ(r->size(), 1u);
}

using CheckDeathTest = ::testing::Test;

TEST_F(CheckDeathTest, ABrokenCheckAbortsWithFileLineConditionAndMessage) {
  const int partitions = 3;
  EXPECT_DEATH(CS_CHECK(partitions == 4) << "have " << partitions,
               R"(status_test\.cc:[0-9]+: check failed: partitions == 4: have 3)");
}

TEST_F(CheckDeathTest, ACheckWithoutMessageEndsWithTheCondition) {
  EXPECT_DEATH(CS_CHECK(sizeof(int) == 1), R"(check failed: sizeof\(int\) == 1[[:space:]]*$)");
}

TEST_F(CheckDeathTest, AHeldCheckGoesOn) {
  int evaluated = 0;
  CS_CHECK(++evaluated == 1) << "not reached";
  EXPECT_EQ(evaluated, 1);
}

TEST_F(CheckDeathTest, AnElseAfterACheckBelongsToTheCallersIf) {
  bool took_else = false;
  if (false)
    CS_CHECK(true);
  else
    took_else = true;
  EXPECT_TRUE(took_else);
}

#ifdef NDEBUG
TEST_F(CheckDeathTest, ADebugCheckIsNotEvaluatedWithNdebug) {
  int evaluated = 0;
  CS_DCHECK(++evaluated == 0);
  EXPECT_EQ(evaluated, 0);
}
#else
TEST_F(CheckDeathTest, ADebugCheckAbortsWithoutNdebug) {
  EXPECT_DEATH(CS_DCHECK(1 + 1 == 3), "check failed: 1 \\+ 1 == 3");
}
#endif

TEST_F(CheckDeathTest, AResultFromAnOkStatusAborts) {
  EXPECT_DEATH(Result<int>{Status::OK()}, "a Result made from an OK Status holds no value");
}

TEST_F(CheckDeathTest, TheValueOfAnErrorAborts) {
  const Result<int> r(Status::Unavailable("broker down"));
  EXPECT_DEATH((void)r.value(), "value\\(\\) of a Result holding an error: broker down");
  EXPECT_DEATH((void)*r, "broker down");
}

}  // namespace
}  // namespace clickstream
