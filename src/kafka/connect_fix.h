// What a user should do when a Kafka client cannot connect, from the client's last error: the end of
// the one-line error that CheckReachable returns. Pure, so every cause is unit-tested.
#pragma once

#include <string>

namespace clickstream::kafka {

// The fix for a connection that failed with `cause` (the last client error, "" if none).
std::string ConnectFix(const std::string& cause);

}  // namespace clickstream::kafka
