// A client of a Confluent-compatible schema registry (Confluent Schema Registry, Apicurio Registry's
// /apis/ccompat/v7, ...): writer schemas by id, and registering a schema under a subject. cpp-httplib;
// its errors become our Status here.
//
// Failures: a registry that cannot be reached, times out or answers 5xx is kUnavailable (retry later);
// an id the registry does not know (404) is kNotFound; any other answer (401, 403, 422, ...) is
// kRefused with the registry's message.
//
// Thread safety: not thread-safe; use one per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace clickstream {

struct SchemaRegistryOptions {
  // Base URL of the API: http(s)://host:port, with a path prefix if any (Apicurio:
  // http://127.0.0.1:8080/apis/ccompat/v7).
  std::string url;
  // User of HTTP basic authentication; empty: none.
  std::string username;
  // Its password (never a flag: argv is visible in `ps`); empty: the first line of `password_file`.
  std::string password;
  std::string password_file;
  // PEM file of CA certificates for an https URL; empty: the system's.
  std::string ca_location;
  // Bound on connecting and on each read or write of a request, in milliseconds.
  int timeout_ms = 5000;
};

class SchemaRegistry {
 public:
  // Checks the URL and reads the password file; asks the registry nothing.
  static Result<std::unique_ptr<SchemaRegistry>> Open(const SchemaRegistryOptions& options);
  ~SchemaRegistry();
  SchemaRegistry(const SchemaRegistry&) = delete;
  SchemaRegistry& operator=(const SchemaRegistry&) = delete;

  // The text of schema `id` (GET /schemas/ids/{id}); kInvalidData when it is not an Avro schema.
  Result<std::string> Schema(uint32_t id);
  // Registers `schema` (Avro JSON) under `subject`, or finds it there, and returns its id
  // (POST /subjects/{subject}/versions).
  Result<uint32_t> Register(std::string_view subject, std::string_view schema);

 private:
  struct Impl;
  explicit SchemaRegistry(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace clickstream
