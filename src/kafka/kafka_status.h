// Conversion of librdkafka errors into our Status at the adapter's edge: one mapping for every client
// (consumer, transactional producers, admin requests), so that each class of Kafka error is handled as
// what it is wherever it comes from.
//
//   class                       codes (examples)                                   Status
//   transient                   transport, timeouts, leader or coordinator moving  kUnavailable (retried)
//   fenced                      PRODUCER_FENCED, INVALID_PRODUCER_EPOCH, _FENCED,   kFenced (stop using the
//                               FENCED_INSTANCE_ID, fatal client errors             resource)
//   refused                     *_AUTHORIZATION_FAILED, POLICY_VIOLATION, SASL      kRefused (not retried;
//                               authentication                                      the message names the ACL)
//   bad request                 invalid config or argument, unknown topic          kInvalidArgument
//   anything else                                                                  kInternal
//
// Errors of librdkafka's newer API (transactions, incremental assignment) carry more than a code
// (retriable, abortable, fatal): FromError reads them.
#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <string>
#include <string_view>

#include "common/status.h"

namespace clickstream::kafka {

// `what` says what was attempted ("create producer", "produce to user_activity"); the message adds
// librdkafka's own text and, for a refusal, the privilege to grant.
Status FromRdKafka(RdKafka::ErrorCode code, std::string_view what);

// The StatusCode of `code` alone (the table above).
StatusCode ClassOf(RdKafka::ErrorCode code);

// An RdKafka::Error (owned and freed here; null is OK): a refusal -> kRefused; fenced or fatal -> kFenced;
// otherwise (retriable past its deadline, or abortable: the transaction must be aborted and the
// partition re-read from its last commit) kUnavailable.
Status FromError(RdKafka::Error* error, std::string_view what);

// What to grant for an authorization refusal `code` ("" for other codes).
std::string GrantFor(RdKafka::ErrorCode code);

}  // namespace clickstream::kafka
