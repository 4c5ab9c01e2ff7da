#include "kafka/kafka_status.h"

#include <gtest/gtest.h>

namespace clickstream::kafka {
namespace {

TEST(KafkaStatus, EachClassOfErrorMapsToWhatItMeans) {
  EXPECT_EQ(ClassOf(RdKafka::ERR_NO_ERROR), StatusCode::kOk);
  for (auto code : {RdKafka::ERR__TRANSPORT, RdKafka::ERR__TIMED_OUT, RdKafka::ERR_NOT_COORDINATOR,
                    RdKafka::ERR_COORDINATOR_LOAD_IN_PROGRESS, RdKafka::ERR_CONCURRENT_TRANSACTIONS}) {
    EXPECT_EQ(ClassOf(code), StatusCode::kUnavailable) << RdKafka::err2str(code);
  }
  for (auto code : {RdKafka::ERR__FENCED, RdKafka::ERR__FATAL, RdKafka::ERR_PRODUCER_FENCED,
                    RdKafka::ERR_INVALID_PRODUCER_EPOCH, RdKafka::ERR_FENCED_INSTANCE_ID}) {
    EXPECT_EQ(ClassOf(code), StatusCode::kFenced) << RdKafka::err2str(code);
  }
  for (auto code : {RdKafka::ERR_TOPIC_AUTHORIZATION_FAILED, RdKafka::ERR_GROUP_AUTHORIZATION_FAILED,
                    RdKafka::ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED, RdKafka::ERR_CLUSTER_AUTHORIZATION_FAILED,
                    RdKafka::ERR_POLICY_VIOLATION, RdKafka::ERR__AUTHENTICATION}) {
    EXPECT_EQ(ClassOf(code), StatusCode::kRefused) << RdKafka::err2str(code);
  }
  EXPECT_EQ(ClassOf(RdKafka::ERR_INVALID_CONFIG), StatusCode::kInvalidArgument);
  EXPECT_EQ(ClassOf(RdKafka::ERR_INVALID_MSG), StatusCode::kInternal);
}

TEST(KafkaStatus, AnAuthorizationRefusalNamesWhatToGrant) {
  const Status topic = FromRdKafka(RdKafka::ERR_TOPIC_AUTHORIZATION_FAILED, "produce to enriched_activity");
  EXPECT_EQ(topic.code(), StatusCode::kRefused);
  EXPECT_FALSE(topic.retryable());
  EXPECT_NE(topic.message().find("produce to enriched_activity"), std::string::npos) << topic.message();
  EXPECT_NE(topic.message().find("--operation Write --topic"), std::string::npos) << topic.message();
  EXPECT_NE(FromRdKafka(RdKafka::ERR_GROUP_AUTHORIZATION_FAILED, "join").message().find("--group"),
            std::string::npos);
  EXPECT_NE(FromRdKafka(RdKafka::ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED, "init")
                .message()
                .find("--resource-pattern-type prefixed"),
            std::string::npos);
  EXPECT_EQ(GrantFor(RdKafka::ERR__TRANSPORT), "");
  EXPECT_TRUE(FromRdKafka(RdKafka::ERR_NO_ERROR, "anything").ok());
  EXPECT_TRUE(FromError(nullptr, "anything").ok());
}

}  // namespace
}  // namespace clickstream::kafka
