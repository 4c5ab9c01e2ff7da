#include "postgres/connection.h"

namespace clickstream::pg {
namespace {

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

Result<Connection> Connection::Open(const ConnectionOptions& o) {
  const std::string port = std::to_string(o.port);
  const std::string timeout = std::to_string(o.connect_timeout_s);
  const char* keys[] = {"host",   "port",           "user",           "password", "dbname",
                        "connect_timeout", "application_name", nullptr};
  const char* values[] = {o.host.c_str(),   port.c_str(),    o.user.c_str(), o.password.c_str(), o.dbname.c_str(),
                          timeout.c_str(), "clickstream", nullptr};
  Connection conn(PQconnectdbParams(keys, values, /*expand_dbname=*/0));
  if (PQstatus(conn.conn_.get()) != CONNECTION_OK) {
    const std::string why = FirstLine(PQerrorMessage(conn.conn_.get()));
    std::string fix = "start it (make services) or set DB_HOST/DB_PORT";
    if (why.find("password") != std::string::npos) fix = "check DB_USER and DB_PASSWORD";
    if (why.find("does not exist") != std::string::npos) fix = "create it or set DB_NAME";
    return Status::Unavailable("cannot connect to PostgreSQL at " + o.host + ":" + port + "/" + o.dbname + ": " +
                               why + " (" + fix + ")");
  }
  return conn;
}

Status Connection::ErrorStatus(std::string_view what) const {
  return Status::Unavailable("postgres: " + std::string(what) + ": " + FirstLine(PQerrorMessage(conn_.get())));
}

Status Connection::Exec(const std::string& sql) {
  QueryResult res(PQexec(conn_.get(), sql.c_str()));
  return Succeeded(res.raw()) ? Status::OK() : ErrorStatus(sql.substr(0, 60));
}

Result<QueryResult> Connection::Query(const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  QueryResult res(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                               nullptr, nullptr, /*resultFormat=*/0));
  if (!Succeeded(res.raw())) return ErrorStatus(sql.substr(0, 60));
  return res;
}

}  // namespace clickstream::pg
