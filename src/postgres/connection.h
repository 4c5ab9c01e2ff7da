// A PostgreSQL connection (libpq) whose failures come back as Status.
//
// Not thread-safe: one connection per thread. Owns the libpq handle; movable, not copyable.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/types.h"

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
  static Param Text(std::string_view v);
  static Param Bytea(std::string_view v);
  // nullopt is SQL NULL.
  static Param Timestamptz(std::optional<EventTime> t);

  Oid type = 0;
  std::optional<std::string> value;  // nullopt: SQL NULL
};

// Rows for `COPY table FROM STDIN (FORMAT binary)`, the fastest way to send many rows. Each field must
// have exactly the type of its target column (int4, int8, bool, float8, text, timestamptz).
//
// Not thread-safe. Owns its buffer.
class CopyRows {
 public:
  CopyRows();
  // Starts a row of `fields` values; REQUIRES: the previous row got all of its fields.
  void BeginRow(int16_t fields);
  void Int4(int32_t v);
  void Int8(int64_t v);
  void Bool(bool v);
  void Float8(double v);
  void Text(std::string_view v);
  void Timestamptz(EventTime t);

  size_t rows() const { return rows_; }
  // Header and rows, without the trailer (Connection::CopyIn adds it).
  const std::string& data() const { return data_; }

 private:
  std::string data_;
  size_t rows_ = 0;
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
  // Runs one statement with binary parameters; the result is binary too (see QueryResult).
  Result<QueryResult> QueryBinary(const std::string& sql, const std::vector<Param>& params);
  // Runs `copy_sql` (`COPY ... FROM STDIN (FORMAT binary)`) and sends `rows`; does nothing without rows.
  Status CopyIn(const std::string& copy_sql, const CopyRows& rows);

  // True when the server connection is still usable.
  bool healthy() const { return PQstatus(conn_.get()) == CONNECTION_OK; }
  PGconn* raw() { return conn_.get(); }

 private:
  explicit Connection(PGconn* conn) : conn_(conn, &PQfinish) {}
  Status ErrorStatus(std::string_view what) const;

  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
};

}  // namespace clickstream::pg
