#include "kafka/kafka_status.h"

#include <memory>
#include <string>

namespace clickstream::kafka {

StatusCode ClassOf(RdKafka::ErrorCode code) {
  switch (code) {
    case RdKafka::ERR_NO_ERROR:
      return StatusCode::kOk;
    case RdKafka::ERR__TRANSPORT:
    case RdKafka::ERR__ALL_BROKERS_DOWN:
    case RdKafka::ERR__TIMED_OUT:
    case RdKafka::ERR__TIMED_OUT_QUEUE:
    case RdKafka::ERR__RESOLVE:
    case RdKafka::ERR__MSG_TIMED_OUT:
    case RdKafka::ERR__WAIT_COORD:
    case RdKafka::ERR__QUEUE_FULL:
    case RdKafka::ERR_BROKER_NOT_AVAILABLE:
    case RdKafka::ERR_LEADER_NOT_AVAILABLE:
    case RdKafka::ERR_NOT_LEADER_FOR_PARTITION:
    case RdKafka::ERR_REQUEST_TIMED_OUT:
    case RdKafka::ERR_NETWORK_EXCEPTION:
    case RdKafka::ERR_COORDINATOR_NOT_AVAILABLE:
    case RdKafka::ERR_NOT_COORDINATOR:
    case RdKafka::ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RdKafka::ERR_CONCURRENT_TRANSACTIONS:
    case RdKafka::ERR_NOT_ENOUGH_REPLICAS:
    case RdKafka::ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RdKafka::ERR_REBALANCE_IN_PROGRESS:
    case RdKafka::ERR_THROTTLING_QUOTA_EXCEEDED:
      return StatusCode::kUnavailable;
    case RdKafka::ERR__FENCED:
    case RdKafka::ERR__FATAL:
    case RdKafka::ERR_PRODUCER_FENCED:
    case RdKafka::ERR_INVALID_PRODUCER_EPOCH:
    case RdKafka::ERR_FENCED_INSTANCE_ID:
      return StatusCode::kFenced;
    case RdKafka::ERR_TOPIC_AUTHORIZATION_FAILED:
    case RdKafka::ERR_GROUP_AUTHORIZATION_FAILED:
    case RdKafka::ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RdKafka::ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
    case RdKafka::ERR_DELEGATION_TOKEN_AUTHORIZATION_FAILED:
    case RdKafka::ERR_POLICY_VIOLATION:
    case RdKafka::ERR_SASL_AUTHENTICATION_FAILED:
    case RdKafka::ERR__AUTHENTICATION:
    case RdKafka::ERR_TOPIC_DELETION_DISABLED:
      return StatusCode::kRefused;
    case RdKafka::ERR__INVALID_ARG:
    case RdKafka::ERR__UNKNOWN_TOPIC:
    case RdKafka::ERR_UNKNOWN_TOPIC_OR_PART:
    case RdKafka::ERR_INVALID_CONFIG:
    case RdKafka::ERR_INVALID_REPLICATION_FACTOR:
    case RdKafka::ERR_INVALID_PARTITIONS:
    case RdKafka::ERR_MSG_SIZE_TOO_LARGE:
      return StatusCode::kInvalidArgument;
    default:
      return StatusCode::kInternal;
  }
}

std::string GrantFor(RdKafka::ErrorCode code) {
  switch (code) {
    case RdKafka::ERR_TOPIC_AUTHORIZATION_FAILED:
      return "grant this client's principal Describe and Read on the input topic and Describe and Write on the "
             "enriched and dead-letter topics (plus Create, DescribeConfigs and AlterConfigs where clickstream "
             "creates them), e.g. kafka-acls --add --allow-principal User:NAME --operation Write --topic TOPIC";
    case RdKafka::ERR_GROUP_AUTHORIZATION_FAILED:
      return "grant this client's principal Read on the consumer group (--group-id), e.g. kafka-acls --add "
             "--allow-principal User:NAME --operation Read --group GROUP";
    case RdKafka::ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
      return "grant this client's principal Describe and Write on the transactional ids that start with the "
             "group id, e.g. kafka-acls --add --allow-principal User:NAME --operation Write --operation "
             "Describe --transactional-id GROUP- --resource-pattern-type prefixed";
    case RdKafka::ERR_CLUSTER_AUTHORIZATION_FAILED:
      return "grant this client's principal the cluster operation named above (IdempotentWrite for "
             "transactions on brokers before 3.0, Create to create topics)";
    case RdKafka::ERR_POLICY_VIOLATION:
      return "the broker's create-topic or alter-config policy refused the request: create the topics "
             "yourself (clickstream topics prints the settings it needs)";
    default:
      return "";
  }
}

Status FromRdKafka(RdKafka::ErrorCode code, std::string_view what) {
  if (code == RdKafka::ERR_NO_ERROR) return Status::OK();
  std::string msg = "kafka: " + std::string(what) + ": " + RdKafka::err2str(code);
  if (const std::string grant = GrantFor(code); !grant.empty()) msg += ": " + grant;
  return Status(ClassOf(code), std::move(msg));
}

Status FromError(RdKafka::Error* error, std::string_view what) {
  if (error == nullptr) return Status::OK();
  std::unique_ptr<RdKafka::Error> owned(error);
  std::string msg = "kafka: " + std::string(what) + ": " + owned->str();
  const StatusCode code = ClassOf(owned->code());
  if (const std::string grant = GrantFor(owned->code()); !grant.empty()) msg += ": " + grant;
  // A refusal first: librdkafka makes some of them fatal too (a transactional id not authorized).
  if (code == StatusCode::kRefused) return Status::Refused(std::move(msg));
  // A fatal error leaves the producer unusable, whatever its code: like a fenced one, its partition is
  // dropped and claimed again, with a new producer, only if still assigned.
  if (code == StatusCode::kFenced || owned->is_fatal()) return Status::Fenced(std::move(msg));
  // Retriable past its deadline, abortable, or a request the broker failed: the partition re-reads from
  // its last commit with a new transaction.
  return Status::Unavailable(std::move(msg));
}

}  // namespace clickstream::kafka
