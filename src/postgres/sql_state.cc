#include "postgres/sql_state.h"

namespace clickstream::pg {

bool IsTransientSqlState(std::string_view s) {
  const std::string_view cls = s.substr(0, 2);
  return cls == "08" || cls == "40" || cls == "53" || cls == "58" || s == "57014" || s == "57P01" ||
         s == "57P02" || s == "57P03" || s == "55P03";
}

std::string_view SqlStateFix(std::string_view s) {
  const std::string_view cls = s.substr(0, 2);
  if (s == "42501")
    return "grant the role SELECT, INSERT, UPDATE and DELETE on the tables of sql/init-db.sql";
  if (cls == "42") return "the schema differs from the one the pipeline writes: apply sql/init-db.sql";
  if (cls == "23")
    return "a constraint added to a results table rejects the results: drop it (see sql/init-db.sql)";
  if (cls == "22") return "a column no longer holds the values the pipeline writes: apply sql/init-db.sql";
  if (cls == "28") return "check DB_USER and DB_PASSWORD";
  if (s == "3D000") return "create the database or set DB_NAME";
  return "";
}

}  // namespace clickstream::pg
