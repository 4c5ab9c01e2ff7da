// A PostgreSQL connection (libpq) whose failures come back as Status.
//
// Not thread-safe: one connection per thread. Owns the libpq handle; movable, not copyable.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace clickstream::pg {

// Where and as whom to connect. Defaults match scripts/services.sh; the environment variables of the
// same names (DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_NAME) override them in the CLI.
struct ConnectionOptions {
  std::string host = "127.0.0.1";
  int port = 15432;
  std::string user = "clickstream";
  std::string password = "clickstream";
  std::string dbname = "clickstream";
  int connect_timeout_s = 10;
};

// A query's rows, as text. Owns the PGresult.
class QueryResult {
 public:
  explicit QueryResult(PGresult* res) : res_(res, &PQclear) {}
  int rows() const { return PQntuples(res_.get()); }
  int columns() const { return PQnfields(res_.get()); }
  bool is_null(int row, int col) const { return PQgetisnull(res_.get(), row, col) != 0; }
  std::string_view text(int row, int col) const {
    return {PQgetvalue(res_.get(), row, col), static_cast<size_t>(PQgetlength(res_.get(), row, col))};
  }
  const PGresult* raw() const { return res_.get(); }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> res_;
};

class Connection {
 public:
  // Connects; a refused connection, wrong password or missing database is a one-line Status naming
  // host:port/database and the likely fix.
  static Result<Connection> Open(const ConnectionOptions& options);

  // Runs `sql` (one or more statements, no parameters).
  Status Exec(const std::string& sql);
  // Runs one statement with text parameters ($1, $2, ...); never builds SQL from values.
  Result<QueryResult> Query(const std::string& sql, const std::vector<std::string>& params = {});

  // True when the server connection is still usable.
  bool healthy() const { return PQstatus(conn_.get()) == CONNECTION_OK; }
  PGconn* raw() { return conn_.get(); }

 private:
  explicit Connection(PGconn* conn) : conn_(conn, &PQfinish) {}
  Status ErrorStatus(std::string_view what) const;

  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
};

}  // namespace clickstream::pg
