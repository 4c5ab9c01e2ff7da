// A PostgreSQL connection (libpq) whose failures come back as Status.
//
// Failures are classified by SQLSTATE (postgres/sql_state.h): a lost connection, an unreachable,
// overloaded or restarting server is kUnavailable (retryable()); an error a retry cannot fix (bad data,
// a violated constraint, a missing table or privilege, a wrong password) is kRefused, naming the SQLSTATE.
//
// Every wait for the server is bounded: libpq is driven without blocking, and a server that does not
// answer within ConnectionOptions::timeout_ms (plus a second for a statement, which the server itself
// cancels after timeout_ms) is given up; the connection is then closed (healthy() is false).
//
// Not thread-safe: one connection per thread. Owns the libpq handle; movable, not copyable.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/types.h"

namespace clickstream::pg {

// Where and as whom to connect. Defaults match scripts/services.sh; the CLI overrides them from flags and
// the environment (DB_HOST, DB_PORT, DB_USER, DB_NAME, DATABASE_URL, DB_PASSWORD, ...). There is no
// default password: without one, libpq's own PGPASSWORD and PGPASSFILE (~/.pgpass) apply.
struct ConnectionOptions {
  // A libpq connection string or URI (`host=... sslmode=verify-full` or `postgresql://user@host/db?...`);
  // when set, it replaces host, port, user and dbname, and its other settings (sslmode, sslrootcert,
  // sslcert, sslkey, ...) pass through to libpq. A password in it works but is better left out.
  std::string url;
  std::string host = "127.0.0.1";
  int port = 15432;
  std::string user = "clickstream";
  // Empty: the password of `password_file`, else libpq's PGPASSWORD / PGPASSFILE.
  std::string password;
  // A file whose first line is the password (for secrets mounted as files).
  std::string password_file;
  std::string dbname = "clickstream";
  // Bound on waiting for the server, in milliseconds: for connecting, for each statement (the server's
  // statement_timeout), and for TCP to notice a dead peer (keepalives, tcp_user_timeout).
  int timeout_ms = 15000;
  // Polled about every 100 ms while waiting for the server; once true, the wait ends (kUnavailable).
  // Empty: waits end on timeout_ms only.
  std::function<bool()> interrupted;
};

// A query's rows: text, or PostgreSQL's binary format for QueryBinary. Owns the PGresult.
class QueryResult {
 public:
  explicit QueryResult(PGresult* res) : res_(res, &PQclear) {}
  int rows() const { return PQntuples(res_.get()); }
  int columns() const { return PQnfields(res_.get()); }
  bool is_null(int row, int col) const { return PQgetisnull(res_.get(), row, col) != 0; }
  // The value's bytes: its text, or in a binary result the raw bytes of a text or bytea column.
  std::string_view text(int row, int col) const {
    return {PQgetvalue(res_.get(), row, col), static_cast<size_t>(PQgetlength(res_.get(), row, col))};
  }
  // REQUIRES: a binary result; the column is bigint (int8) or timestamptz respectively, and not null.
  int64_t int8(int row, int col) const;
  EventTime timestamptz(int row, int col) const;
  const PGresult* raw() const { return res_.get(); }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> res_;
};

// A statement parameter in PostgreSQL's binary format, typed so the server needs no casts: exact (no
// text round trip for timestamps) and never parsed as SQL. Copies the value.
struct Param {
  static Param Int4(int32_t v);
  static Param Int8(int64_t v);
  static Param Bool(bool v);
  static Param Text(std::string_view v);
  static Param Bytea(std::string_view v);
  // nullopt is SQL NULL.
  static Param Timestamptz(std::optional<EventTime> t);

  Oid type = 0;
  std::optional<std::string> value;  // nullopt: SQL NULL
};

// A statement with binary parameters, for Connection::Pipeline.
struct Statement {
  std::string sql;
  std::vector<Param> params;
};

// One column of many rows as a one-dimensional array parameter in PostgreSQL's binary format, for
// `unnest($1::text[], $2::timestamptz[], ...)`: a whole table of rows in one statement, without a
// staging table to fill and empty in every transaction. Each Append must be of the element type given.
//
// Not thread-safe. Owns its buffer.
class ArrayParam {
 public:
  enum class Element { kInt4, kInt8, kBool, kFloat8, kText, kTimestamptz };

  explicit ArrayParam(Element element);
  void AppendInt4(int32_t v);
  void AppendInt8(int64_t v);
  void AppendBool(bool v);
  void AppendFloat8(double v);
  void AppendText(std::string_view v);
  void AppendTimestamptz(EventTime t);

  size_t size() const { return size_; }
  // The array (of the elements appended so far) as a statement parameter.
  Param ToParam() const;

 private:
  // An 8-byte element (int8, float8's bits, timestamptz's microseconds).
  void Append8(int64_t v);

  Element element_;
  std::string elements_;  // each one's length, then its bytes
  size_t size_ = 0;
};

class Connection {
 public:
  // Connects; a refused connection, wrong password or missing database is a one-line Status naming
  // host:port/database and the likely fix (a wrong password or a missing database is kRefused).
  static Result<Connection> Open(const ConnectionOptions& options);

  // Runs `sql` (one or more statements, no parameters).
  Status Exec(const std::string& sql);
  // Runs one statement with text parameters ($1, $2, ...); never builds SQL from values.
  Result<QueryResult> Query(const std::string& sql, const std::vector<std::string>& params = {});
  // Runs one statement with binary parameters; the result is binary too (see QueryResult).
  Result<QueryResult> QueryBinary(const std::string& sql, const std::vector<Param>& params);

  // Runs `statements` in order in one round trip (libpq's pipeline mode): all are sent, then their
  // results read. Returns each one's (binary) result, or the first failure; the statements after a failed
  // one are skipped. REQUIRES: an explicit transaction (a BEGIN before or among them), which a failure
  // aborts as it would one statement run alone, for the caller to roll back (without one, the statements
  // would form an implicit transaction that commits at the pipeline's end).
  Result<std::vector<QueryResult>> Pipeline(const std::vector<Statement>& statements);

  // True when the server connection is still usable.
  bool healthy() const { return conn_ != nullptr && PQstatus(conn_.get()) == CONNECTION_OK; }

 private:
  Connection(PGconn* conn, const ConnectionOptions& options)
      : conn_(conn, &PQfinish), timeout_ms_(options.timeout_ms), interrupted_(options.interrupted) {}
  // Waits until the socket is ready for `events` (POLLIN, POLLOUT), at most `timeout_ms`; on timeout or
  // interruption closes the connection.
  Status Wait(short events, int timeout_ms, std::string_view what);
  // Sends what libpq has buffered.
  Status Flush(std::string_view what);
  // Queues a command (`queue` returns libpq's 1 for success), sends it and returns its last result, or
  // the first that failed.
  Result<QueryResult> Execute(std::string_view what, const std::function<int(PGconn*)>& queue);
  // Reads the results of the oldest command sent and returns its last one, or the first that failed.
  Result<QueryResult> ReadResults(std::string_view what);
  Status ErrorStatus(const PGresult* res, std::string_view what) const;

  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
  int timeout_ms_;
  std::function<bool()> interrupted_;
};

}  // namespace clickstream::pg
