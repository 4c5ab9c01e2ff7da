#include "registry/schema_registry.h"

#include <httplib.h>
#include <simdjson.h>

#include <fstream>

#include "common/json_writer.h"

namespace clickstream {
namespace {

constexpr const char* kContentType = "application/vnd.schemaregistry.v1+json";

// The registry's own message from an error body ({"error_code":..., "message": "..."}), else the body.
std::string MessageOf(const std::string& body) {
  simdjson::dom::parser parser;
  std::string_view message;
  if (!parser.parse(body)["message"].get(message)) return std::string(message);
  return body.substr(0, 200);
}

}  // namespace

struct SchemaRegistry::Impl {
  std::string base;    // scheme://host:port, for the printed messages
  std::string prefix;  // path before the API's paths, without a trailing slash
  std::unique_ptr<httplib::Client> client;
  simdjson::dom::parser parser;

  // The answer to a request, or the failure as described above.
  Result<std::string> Check(const httplib::Result& res, const std::string& what) {
    if (!res) {
      return Status::Unavailable("schema registry " + base + ": " + what + ": " + "no answer (" +
                                 httplib::to_string(res.error()) + " error); is it running?");
    }
    if (res->status == 200) return res->body;
    const std::string answer = "HTTP " + std::to_string(res->status) + ": " + MessageOf(res->body);
    if (res->status == 404) return Status::NotFound("schema registry " + base + ": " + what + ": " + answer);
    if (res->status >= 500)
      return Status::Unavailable("schema registry " + base + ": " + what + ": " + answer);
    const std::string fix =
        res->status == 401 || res->status == 403 ? " (check SCHEMA_REGISTRY_USER and the password)" : "";
    return Status::Refused("schema registry " + base + ": " + what + ": " + answer + fix);
  }
};

SchemaRegistry::SchemaRegistry(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SchemaRegistry::~SchemaRegistry() = default;

Result<std::unique_ptr<SchemaRegistry>> SchemaRegistry::Open(const SchemaRegistryOptions& options) {
  const std::string& url = options.url;
  if (url.empty()) {
    return Status::InvalidArgument(
        "no schema registry for Avro: set --schema-registry-url (SCHEMA_REGISTRY_URL), e.g. "
        "http://127.0.0.1:8081 (Apicurio: http://host:port/apis/ccompat/v7)");
  }
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos ||
      (url.compare(0, scheme_end, "http") != 0 && url.compare(0, scheme_end, "https") != 0)) {
    return Status::InvalidArgument(
        "--schema-registry-url (SCHEMA_REGISTRY_URL) must be http://host:port[/path] "
        "or https://..., got '" +
        url + "'");
  }
  const size_t path = url.find('/', scheme_end + 3);
  // Credentials in the URL would be printed with every error that names the registry.
  if (url.substr(0, path).find('@') != std::string::npos) {
    return Status::InvalidArgument(
        "--schema-registry-url (SCHEMA_REGISTRY_URL) must not hold credentials: set SCHEMA_REGISTRY_USER and "
        "SCHEMA_REGISTRY_PASSWORD (or --schema-registry-password-file)");
  }
  auto impl = std::make_unique<Impl>();
  impl->base = url.substr(0, path);
  if (path != std::string::npos) impl->prefix = url.substr(path);
  while (!impl->prefix.empty() && impl->prefix.back() == '/') impl->prefix.pop_back();
  impl->client = std::make_unique<httplib::Client>(impl->base);
  if (!impl->client->is_valid()) {
    return Status::InvalidArgument("--schema-registry-url (SCHEMA_REGISTRY_URL): cannot use '" + url + "'");
  }
  const auto timeout = std::chrono::milliseconds(options.timeout_ms);
  impl->client->set_connection_timeout(timeout);
  impl->client->set_read_timeout(timeout);
  impl->client->set_write_timeout(timeout);
  if (!options.ca_location.empty()) impl->client->set_ca_cert_path(options.ca_location.c_str());
  if (!options.username.empty()) {
    std::string password = options.password;
    if (password.empty() && !options.password_file.empty()) {
      std::ifstream in(options.password_file);
      if (!in || !std::getline(in, password)) {
        return Status::InvalidArgument("schema registry: cannot read the password file " +
                                       options.password_file);
      }
      while (!password.empty() && (password.back() == '\r' || password.back() == ' ')) password.pop_back();
    }
    impl->client->set_basic_auth(options.username.c_str(), password.c_str());
  }
  return std::unique_ptr<SchemaRegistry>(new SchemaRegistry(std::move(impl)));
}

Result<std::string> SchemaRegistry::Schema(uint32_t id) {
  const std::string what = "schema id " + std::to_string(id);
  CS_ASSIGN_OR_RETURN(
      const std::string body,
      impl_->Check(impl_->client->Get(impl_->prefix + "/schemas/ids/" + std::to_string(id)), what));
  std::string_view schema, type = "AVRO";
  simdjson::dom::element doc;
  if (impl_->parser.parse(body).get(doc) || doc["schema"].get(schema)) {
    return Status::Unavailable("schema registry " + impl_->base + ": " + what +
                               ": an answer without a schema");
  }
  if (doc["schemaType"].get(type)) type = "AVRO";  // Avro when absent
  if (type != "AVRO") {
    return Status::InvalidData("schema registry " + impl_->base + ": " + what + " is a " + std::string(type) +
                               " schema, not Avro");
  }
  return std::string(schema);
}

Result<uint32_t> SchemaRegistry::Register(std::string_view subject, std::string_view schema) {
  std::string request = "{\"schema\":";
  AppendJsonString(schema, &request);
  request += "}";
  const std::string what = "registering a schema under " + std::string(subject);
  CS_ASSIGN_OR_RETURN(
      const std::string body,
      impl_->Check(impl_->client->Post(impl_->prefix + "/subjects/" + std::string(subject) + "/versions",
                                       request, kContentType),
                   what));
  uint64_t id = 0;
  if (impl_->parser.parse(body)["id"].get(id) || id > UINT32_MAX) {
    return Status::Unavailable("schema registry " + impl_->base + ": " + what + ": an answer without an id");
  }
  return static_cast<uint32_t>(id);
}

}  // namespace clickstream
