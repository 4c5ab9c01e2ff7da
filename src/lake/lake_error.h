// One-line Statuses for lake failures: what was being done to which path, the cause, and the fix.
#pragma once

#include <string_view>

#include "common/status.h"

namespace arrow {
class Status;
}  // namespace arrow

namespace clickstream {

// "lake: cannot <action>: <strerror(err)> (<hint>)", e.g. action = "write /lake/event_date=.../x".
Status LakeIoError(std::string_view action, int err);

// The same for a failed Arrow call; uses the errno Arrow carries when there is one.
Status LakeArrowError(std::string_view action, const arrow::Status& status);

}  // namespace clickstream
