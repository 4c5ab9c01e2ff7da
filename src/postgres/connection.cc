#include "postgres/connection.h"

#include <poll.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <type_traits>

#include "common/check.h"
#include "postgres/sql_state.h"

namespace clickstream::pg {
namespace {

// Type OIDs of pg_type (stable across PostgreSQL versions); libpq does not export them.
constexpr Oid kInt4Oid = 23;
constexpr Oid kInt8Oid = 20;
constexpr Oid kBoolOid = 16;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kTextOid = 25;
constexpr Oid kByteaOid = 17;
constexpr Oid kTimestamptzOid = 1184;

// Binary timestamps count microseconds from 2000-01-01 UTC.
constexpr int64_t kPostgresEpochMicros = 946'684'800'000'000;

// Network byte order, as the binary format wants.
template <typename Int>
void AppendBigEndian(Int v, std::string* out) {
  using U = std::make_unsigned_t<Int>;
  const U u = static_cast<U>(v);
  for (int shift = 8 * (sizeof(U) - 1); shift >= 0; shift -= 8) out->push_back(static_cast<char>(u >> shift));
}

template <typename Int>
std::string BigEndian(Int v) {
  std::string s;
  AppendBigEndian(v, &s);
  return s;
}

std::string FirstLine(const char* text) {
  std::string s = text ? text : "";
  const size_t nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

// A statement's start, on one line: error messages are one line each.
std::string OneLine(std::string_view what) {
  std::string out;
  for (const char c : what) {
    const bool space = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (!space) {
      out.push_back(c);
    } else if (!out.empty() && out.back() != ' ') {
      out.push_back(' ');
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool Succeeded(const PGresult* res) {
  const ExecStatusType st = PQresultStatus(res);
  return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

}  // namespace

int64_t QueryResult::int8(int row, int col) const {
  CS_DCHECK(PQfformat(res_.get(), col) == 1 && PQgetlength(res_.get(), row, col) == 8)
      << "column " << col << " is not a binary 8-byte value (or is null)";
  const auto* p = reinterpret_cast<const unsigned char*>(PQgetvalue(res_.get(), row, col));
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return static_cast<int64_t>(v);
}

EventTime QueryResult::timestamptz(int row, int col) const {
  return EventTime::FromMicros(int8(row, col) + kPostgresEpochMicros);
}

Param Param::Int4(int32_t v) { return {kInt4Oid, BigEndian(v)}; }
Param Param::Int8(int64_t v) { return {kInt8Oid, BigEndian(v)}; }
Param Param::Bool(bool v) { return {kBoolOid, std::string(1, v ? '\1' : '\0')}; }
Param Param::Text(std::string_view v) { return {kTextOid, std::string(v)}; }
Param Param::Bytea(std::string_view v) { return {kByteaOid, std::string(v)}; }
Param Param::Timestamptz(std::optional<EventTime> t) {
  if (!t) return {kTimestamptzOid, std::nullopt};
  return {kTimestamptzOid, BigEndian(t->micros() - kPostgresEpochMicros)};
}

namespace {

// Per ArrayParam::Element, in its order: the element's type OID and its array type's (array_send's layout
// names the element type).
constexpr std::pair<Oid, Oid> kArrayTypes[] = {{kInt4Oid, 1007},   {kInt8Oid, 1016}, {kBoolOid, 1000},
                                               {kFloat8Oid, 1022}, {kTextOid, 1009}, {kTimestamptzOid, 1185}};

}  // namespace

ArrayParam::ArrayParam(Element element) : element_(element) {}

void ArrayParam::AppendInt4(int32_t v) {
  CS_DCHECK(element_ == Element::kInt4);
  AppendBigEndian(int32_t{4}, &elements_);
  AppendBigEndian(v, &elements_);
  ++size_;
}

void ArrayParam::AppendInt8(int64_t v) {
  CS_DCHECK(element_ == Element::kInt8);
  Append8(v);
}

void ArrayParam::AppendBool(bool v) {
  CS_DCHECK(element_ == Element::kBool);
  AppendBigEndian(int32_t{1}, &elements_);
  elements_.push_back(v ? 1 : 0);
  ++size_;
}

void ArrayParam::AppendFloat8(double v) {
  CS_DCHECK(element_ == Element::kFloat8);
  Append8(std::bit_cast<int64_t>(v));
}

void ArrayParam::AppendText(std::string_view v) {
  CS_DCHECK(element_ == Element::kText);
  AppendBigEndian(static_cast<int32_t>(v.size()), &elements_);
  elements_.append(v);
  ++size_;
}

void ArrayParam::AppendTimestamptz(EventTime t) {
  CS_DCHECK(element_ == Element::kTimestamptz);
  Append8(t.micros() - kPostgresEpochMicros);
}

void ArrayParam::Append8(int64_t v) {
  AppendBigEndian(int32_t{8}, &elements_);
  AppendBigEndian(v, &elements_);
  ++size_;
}

Param ArrayParam::ToParam() const {
  const auto [element_oid, array_oid] = kArrayTypes[static_cast<size_t>(element_)];
  // array_send's layout: dimensions, has-nulls flag, element type, then each dimension's length and
  // lower bound; an empty array has no dimension.
  std::string out;
  out.reserve(20 + elements_.size());
  AppendBigEndian(int32_t{size_ == 0 ? 0 : 1}, &out);
  AppendBigEndian(int32_t{0}, &out);
  AppendBigEndian(static_cast<int32_t>(element_oid), &out);
  if (size_ > 0) {
    AppendBigEndian(static_cast<int32_t>(size_), &out);
    AppendBigEndian(int32_t{1}, &out);
  }
  out.append(elements_);
  return {array_oid, std::move(out)};
}

namespace {

// `message` with every secret replaced.
std::string Redact(std::string message, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t at = message.find(secret); at != std::string::npos; at = message.find(secret, at)) {
      message.replace(at, secret.size(), "[redacted]");
    }
  }
  return message;
}

}  // namespace

Result<Connection> Connection::Open(const ConnectionOptions& o) {
  std::string password = o.password;
  if (password.empty() && !o.password_file.empty()) {
    std::ifstream in(o.password_file);
    if (!in || !std::getline(in, password)) {
      return Status::InvalidArgument("cannot read the PostgreSQL password file " + o.password_file +
                                     " (--db-password-file)");
    }
    while (!password.empty() && (password.back() == '\r' || password.back() == ' ')) password.pop_back();
  }
  // Secrets that must not reach an error message: the password, and one inside the connection string.
  std::vector<std::string> secrets = {password};
  if (!o.url.empty()) {
    char* parse_error = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(o.url.c_str(), &parse_error);
    if (parsed == nullptr) {
      const std::string why = FirstLine(parse_error);
      PQfreemem(parse_error);
      // libpq's message may quote part of the string: only its cause is kept.
      return Status::InvalidArgument(
          "the PostgreSQL connection string (--db-url / DATABASE_URL) is malformed: " +
          why.substr(0, why.find(':')) + " (see libpq's connection strings)");
    }
    for (PQconninfoOption* opt = parsed; opt->keyword != nullptr; ++opt) {
      if (opt->val != nullptr && std::string_view(opt->keyword) == "password") secrets.emplace_back(opt->val);
    }
    PQconninfoFree(parsed);
  }
  // A dead peer is noticed by TCP within the timeout (keepalive probes after a third of it, three of
  // them, and tcp_user_timeout for unacknowledged data); a slow statement is cancelled by the server.
  // A connection string overrides the settings before it (and may set its own keepalives).
  std::vector<std::pair<const char*, std::string>> settings = {
      {"application_name", "clickstream"},
      {"keepalives", "1"},
      {"keepalives_idle", std::to_string(std::max(1, o.timeout_ms / 3000))},
      {"keepalives_interval", std::to_string(std::max(1, o.timeout_ms / 9000))},
      {"keepalives_count", "3"},
      {"tcp_user_timeout", std::to_string(o.timeout_ms)},
      {"options", "-c statement_timeout=" + std::to_string(o.timeout_ms)},
  };
  if (o.url.empty()) {
    settings.insert(
        settings.end(),
        {{"host", o.host}, {"port", std::to_string(o.port)}, {"user", o.user}, {"dbname", o.dbname}});
  } else {
    settings.emplace_back("dbname", o.url);
  }
  if (!password.empty()) settings.emplace_back("password", password);
  std::vector<const char*> keys, values;
  for (const auto& [key, value] : settings) {
    keys.push_back(key);
    values.push_back(value.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  Connection conn(PQconnectStartParams(keys.data(), values.data(), /*expand_dbname=*/o.url.empty() ? 0 : 1),
                  o);
  // libpq's connect_timeout does not apply to a connection polled by the caller: each step is bounded here.
  PostgresPollingStatusType step = PGRES_POLLING_WRITING;
  Status waited;
  while (conn.conn_ && PQstatus(conn.conn_.get()) != CONNECTION_BAD && step != PGRES_POLLING_OK &&
         step != PGRES_POLLING_FAILED && waited.ok()) {
    waited = conn.Wait(step == PGRES_POLLING_READING ? POLLIN : POLLOUT, o.timeout_ms, "connect");
    if (waited.ok()) step = PQconnectPoll(conn.conn_.get());
  }
  if (!waited.ok() || step != PGRES_POLLING_OK || PQsetnonblocking(conn.conn_.get(), 1) != 0) {
    const std::string why = waited.ok() ? FirstLine(PQerrorMessage(conn.conn_.get())) : waited.message();
    std::string fix = "start it (make services) or set DB_HOST/DB_PORT or DATABASE_URL";
    bool refused = true;
    if (why.find("no encryption") != std::string::npos) {
      fix =
          "the server takes TLS connections only: set sslmode=verify-full (and sslrootcert) in DATABASE_URL";
    } else if (why.find("password") != std::string::npos || why.find("pg_hba.conf") != std::string::npos) {
      fix = "check DB_USER and DB_PASSWORD (or --db-password-file, PGPASSFILE)";
    } else if (why.find("does not exist") != std::string::npos) {
      fix = "create it or set DB_NAME";
    } else if (why.find("SSL") != std::string::npos || why.find("certificate") != std::string::npos ||
               why.find("server name") != std::string::npos) {
      fix = "check sslmode, sslrootcert, sslcert and sslkey of DATABASE_URL";
    } else {
      refused = false;
    }
    // Where libpq tried, not the connection string (which may hold a password).
    const auto or_empty = [](const char* s) { return std::string(s ? s : ""); };
    PGconn* c = conn.conn_.get();
    const std::string where = c ? or_empty(PQhost(c)) + ":" + or_empty(PQport(c)) + "/" + or_empty(PQdb(c))
                                : o.host + ":" + std::to_string(o.port) + "/" + o.dbname;
    return Status(
        refused ? StatusCode::kRefused : StatusCode::kUnavailable,
        Redact("cannot connect to PostgreSQL at " + where + ": " + why + " (" + fix + ")", secrets));
  }
  return conn;
}

Status Connection::Wait(short events, int timeout_ms, std::string_view what) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    std::string why;
    if (interrupted_ && interrupted_()) {
      why = "interrupted (stopping)";
    } else if (std::chrono::steady_clock::now() >= deadline) {
      why = "no answer from the server within " + std::to_string(timeout_ms) + " ms";
    } else {
      pollfd fd{PQsocket(conn_.get()), events, 0};
      const int ready = poll(&fd, 1, 100);
      if (ready > 0) return Status::OK();
      if (ready < 0 && errno != EINTR) why = std::string("poll: ") + std::strerror(errno);
    }
    if (!why.empty()) {
      conn_.reset();  // a half-done exchange leaves the connection unusable
      return Status::Unavailable("postgres: " + OneLine(what) + ": " + why);
    }
  }
}

Status Connection::Flush(std::string_view what) {
  for (;;) {
    const int left = PQflush(conn_.get());
    if (left == 0) return Status::OK();
    if (left < 0) return ErrorStatus(nullptr, what);
    // The server may be sending (an error, a notice) and wait for us to read it before reading more.
    CS_RETURN_NOT_OK(Wait(POLLIN | POLLOUT, timeout_ms_, what));
    if (PQconsumeInput(conn_.get()) == 0) return ErrorStatus(nullptr, what);
  }
}

Result<QueryResult> Connection::Execute(std::string_view what, const std::function<int(PGconn*)>& queue) {
  if (!conn_) return ErrorStatus(nullptr, what);
  if (queue(conn_.get()) != 1) return ErrorStatus(nullptr, what);
  CS_RETURN_NOT_OK(Flush(what));
  return ReadResults(what);
}

Result<QueryResult> Connection::ReadResults(std::string_view what) {
  std::optional<QueryResult> kept;
  for (;;) {
    while (PQisBusy(conn_.get())) {
      // A statement may run for timeout_ms before the server cancels it: give it a second more.
      CS_RETURN_NOT_OK(Wait(POLLIN, timeout_ms_ + 1000, what));
      if (PQconsumeInput(conn_.get()) == 0) return ErrorStatus(nullptr, what);
    }
    PGresult* r = PQgetResult(conn_.get());
    if (r == nullptr) break;
    QueryResult res(r);
    if (!kept || Succeeded(kept->raw())) kept.emplace(std::move(res));
  }
  if (!kept) return ErrorStatus(nullptr, what);
  if (!Succeeded(kept->raw())) return ErrorStatus(kept->raw(), what);
  return std::move(*kept);
}

Status Connection::ErrorStatus(const PGresult* res, std::string_view what) const {
  const std::string statement = "postgres: " + OneLine(what) + ": ";
  if (!conn_) return Status::Unavailable(statement + "the connection was closed after a failure");
  const char* sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string text = FirstLine(res ? PQresultErrorMessage(res) : "");
  if (text.empty()) text = FirstLine(PQerrorMessage(conn_.get()));
  // No SQLSTATE: libpq's own failure, i.e. the connection broke.
  if (sqlstate == nullptr || PQstatus(conn_.get()) != CONNECTION_OK || IsTransientSqlState(sqlstate)) {
    return Status::Unavailable(statement + text);
  }
  const std::string_view fix = SqlStateFix(sqlstate);
  return Status::Refused(statement + "SQLSTATE " + sqlstate + ": " + text + (fix.empty() ? "" : " (") +
                         std::string(fix) + (fix.empty() ? "" : ")"));
}

Status Connection::Exec(const std::string& sql) {
  const std::string_view what = std::string_view(sql).substr(0, 60);
  return Execute(what, [&](PGconn* c) { return PQsendQuery(c, sql.c_str()); }).status();
}

Result<QueryResult> Connection::Query(const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  return Execute(std::string_view(sql).substr(0, 60), [&](PGconn* c) {
    return PQsendQueryParams(c, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                             nullptr, /*resultFormat=*/0);
  });
}

namespace {

// Queues `sql` with binary parameters and a binary result; libpq's 1 for success.
int SendBinary(PGconn* c, const std::string& sql, const std::vector<Param>& params) {
  std::vector<Oid> types;
  std::vector<const char*> values;
  std::vector<int> lengths;
  const std::vector<int> formats(params.size(), 1);
  for (const Param& p : params) {
    types.push_back(p.type);
    values.push_back(p.value ? p.value->data() : nullptr);
    lengths.push_back(p.value ? static_cast<int>(p.value->size()) : 0);
  }
  return PQsendQueryParams(c, sql.c_str(), static_cast<int>(params.size()), types.data(), values.data(),
                           lengths.data(), formats.data(), /*resultFormat=*/1);
}

}  // namespace

Result<QueryResult> Connection::QueryBinary(const std::string& sql, const std::vector<Param>& params) {
  return Execute(std::string_view(sql).substr(0, 60), [&](PGconn* c) { return SendBinary(c, sql, params); });
}

Result<std::vector<QueryResult>> Connection::Pipeline(const std::vector<Statement>& statements) {
  constexpr std::string_view kWhat = "pipeline";
  if (!conn_) return ErrorStatus(nullptr, kWhat);
  CS_DCHECK(PQtransactionStatus(conn_.get()) == PQTRANS_INTRANS ||
            std::any_of(statements.begin(), statements.end(),
                        [](const Statement& s) { return s.sql.starts_with("BEGIN"); }))
      << "a pipeline outside an explicit transaction would commit at its end";
  // A pipeline that could not be sent or read to its end leaves the connection unusable.
  const auto broken = [&](std::string_view what) {
    const Status status = ErrorStatus(nullptr, what);
    conn_.reset();
    return status;
  };
  if (PQenterPipelineMode(conn_.get()) != 1) return broken(kWhat);
  for (const Statement& s : statements) {
    if (SendBinary(conn_.get(), s.sql, s.params) != 1) return broken(std::string_view(s.sql).substr(0, 60));
  }
  if (PQpipelineSync(conn_.get()) != 1) return broken(kWhat);
  CS_RETURN_NOT_OK(Flush(kWhat));
  // Every result is read, up to the sync's, even after a failure: the connection serves the ROLLBACK next.
  std::vector<QueryResult> results;
  Status first_failure;
  for (const Statement& s : statements) {
    Result<QueryResult> r = ReadResults(std::string_view(s.sql).substr(0, 60));
    if (!healthy()) return r.ok() ? broken(kWhat) : r.status();
    if (r.ok()) {
      results.push_back(std::move(*r));
    } else if (first_failure.ok()) {
      first_failure = r.status();
    }
  }
  while (PQisBusy(conn_.get())) {
    CS_RETURN_NOT_OK(Wait(POLLIN, timeout_ms_ + 1000, kWhat));
    if (PQconsumeInput(conn_.get()) == 0) return broken(kWhat);
  }
  const QueryResult sync(PQgetResult(conn_.get()));
  if (PQresultStatus(sync.raw()) != PGRES_PIPELINE_SYNC || PQexitPipelineMode(conn_.get()) != 1) {
    return broken(kWhat);
  }
  if (!first_failure.ok()) return first_failure;
  return results;
}

}  // namespace clickstream::pg
