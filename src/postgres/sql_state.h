// What a PostgreSQL error code (SQLSTATE, Appendix A of the PostgreSQL manual) says about retrying.
#pragma once

#include <string_view>

namespace clickstream::pg {

// True when the same statement may succeed later: connection exceptions (class 08), serialization
// failures and deadlocks (40), insufficient resources (53), a statement or lock timeout (57014, 55P03),
// a server shutting down or starting up (57P01-57P03), system errors (58). Anything else (bad data,
// a violated constraint, a missing table or privilege, ...) fails again on every retry.
bool IsTransientSqlState(std::string_view sqlstate);

// How to fix a permanent error of the results' writes, as one clause; empty when there is no known fix.
std::string_view SqlStateFix(std::string_view sqlstate);

}  // namespace clickstream::pg
