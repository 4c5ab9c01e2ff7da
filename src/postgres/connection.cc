#include "postgres/connection.h"

#include <bit>
#include <type_traits>

namespace clickstream::pg {
namespace {

// Type OIDs of pg_type (stable across PostgreSQL versions); libpq does not export them.
constexpr Oid kInt4Oid = 23;
constexpr Oid kInt8Oid = 20;
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

bool Succeeded(const PGresult* res) {
  const ExecStatusType st = PQresultStatus(res);
  return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

}  // namespace

int64_t QueryResult::int8(int row, int col) const {
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
Param Param::Text(std::string_view v) { return {kTextOid, std::string(v)}; }
Param Param::Bytea(std::string_view v) { return {kByteaOid, std::string(v)}; }
Param Param::Timestamptz(std::optional<EventTime> t) {
  if (!t) return {kTimestamptzOid, std::nullopt};
  return {kTimestamptzOid, BigEndian(t->micros() - kPostgresEpochMicros)};
}

CopyRows::CopyRows() {
  static constexpr char kSignature[] = "PGCOPY\n\377\r\n";
  data_.append(kSignature, sizeof(kSignature));  // including its final NUL byte
  AppendBigEndian(int32_t{0}, &data_);           // flags: no OIDs
  AppendBigEndian(int32_t{0}, &data_);           // header extension length
}

void CopyRows::BeginRow(int16_t fields) {
  AppendBigEndian(fields, &data_);
  ++rows_;
}

void CopyRows::Int4(int32_t v) {
  AppendBigEndian(int32_t{4}, &data_);
  AppendBigEndian(v, &data_);
}

void CopyRows::Int8(int64_t v) {
  AppendBigEndian(int32_t{8}, &data_);
  AppendBigEndian(v, &data_);
}

void CopyRows::Bool(bool v) {
  AppendBigEndian(int32_t{1}, &data_);
  data_.push_back(v ? 1 : 0);
}

void CopyRows::Float8(double v) { Int8(std::bit_cast<int64_t>(v)); }

void CopyRows::Text(std::string_view v) {
  AppendBigEndian(static_cast<int32_t>(v.size()), &data_);
  data_.append(v);
}

void CopyRows::Timestamptz(EventTime t) { Int8(t.micros() - kPostgresEpochMicros); }

Result<Connection> Connection::Open(const ConnectionOptions& o) {
  const std::string port = std::to_string(o.port);
  const std::string timeout = std::to_string(o.connect_timeout_s);
  const char* keys[] = {"host", "port", "user", "password", "dbname", "connect_timeout", "application_name",
                        nullptr};
  const char* values[] = {o.host.c_str(),   port.c_str(),    o.user.c_str(), o.password.c_str(),
                          o.dbname.c_str(), timeout.c_str(), "clickstream",  nullptr};
  Connection conn(PQconnectdbParams(keys, values, /*expand_dbname=*/0));
  if (PQstatus(conn.conn_.get()) != CONNECTION_OK) {
    const std::string why = FirstLine(PQerrorMessage(conn.conn_.get()));
    std::string fix = "start it (make services) or set DB_HOST/DB_PORT";
    if (why.find("password") != std::string::npos) fix = "check DB_USER and DB_PASSWORD";
    if (why.find("does not exist") != std::string::npos) fix = "create it or set DB_NAME";
    return Status::Unavailable("cannot connect to PostgreSQL at " + o.host + ":" + port + "/" + o.dbname +
                               ": " + why + " (" + fix + ")");
  }
  return conn;
}

Status Connection::ErrorStatus(std::string_view what) const {
  // The statement's start, on one line: error messages are one line each.
  std::string statement;
  for (const char c : what) {
    const bool space = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (!space) {
      statement.push_back(c);
    } else if (!statement.empty() && statement.back() != ' ') {
      statement.push_back(' ');
    }
  }
  while (!statement.empty() && statement.back() == ' ') statement.pop_back();
  return Status::Unavailable("postgres: " + statement + ": " + FirstLine(PQerrorMessage(conn_.get())));
}

Status Connection::Exec(const std::string& sql) {
  QueryResult res(PQexec(conn_.get(), sql.c_str()));
  return Succeeded(res.raw()) ? Status::OK() : ErrorStatus(sql.substr(0, 60));
}

Result<QueryResult> Connection::Query(const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  QueryResult res(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, /*resultFormat=*/0));
  if (!Succeeded(res.raw())) return ErrorStatus(sql.substr(0, 60));
  return res;
}

Result<QueryResult> Connection::QueryBinary(const std::string& sql, const std::vector<Param>& params) {
  std::vector<Oid> types;
  std::vector<const char*> values;
  std::vector<int> lengths;
  const std::vector<int> formats(params.size(), 1);
  for (const Param& p : params) {
    types.push_back(p.type);
    values.push_back(p.value ? p.value->data() : nullptr);
    lengths.push_back(p.value ? static_cast<int>(p.value->size()) : 0);
  }
  QueryResult res(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(params.size()), types.data(),
                               values.data(), lengths.data(), formats.data(), /*resultFormat=*/1));
  if (!Succeeded(res.raw())) return ErrorStatus(sql.substr(0, 60));
  return res;
}

Status Connection::CopyIn(const std::string& copy_sql, const CopyRows& rows) {
  if (rows.rows() == 0) return Status::OK();
  QueryResult start(PQexec(conn_.get(), copy_sql.c_str()));
  if (PQresultStatus(start.raw()) != PGRES_COPY_IN) return ErrorStatus(copy_sql.substr(0, 60));
  const std::string trailer = BigEndian(int16_t{-1});
  const bool sent =
      PQputCopyData(conn_.get(), rows.data().data(), static_cast<int>(rows.data().size())) == 1 &&
      PQputCopyData(conn_.get(), trailer.data(), static_cast<int>(trailer.size())) == 1;
  // Ends the copy even after a failed send, so the connection leaves COPY mode; the reason then comes
  // from the server's result below.
  PQputCopyEnd(conn_.get(), sent ? nullptr : "client failed to send rows");
  Status st;
  while (PGresult* r = PQgetResult(conn_.get())) {
    QueryResult res(r);
    if (st.ok() && !Succeeded(r)) st = ErrorStatus(copy_sql.substr(0, 60));
  }
  return st;
}

}  // namespace clickstream::pg
