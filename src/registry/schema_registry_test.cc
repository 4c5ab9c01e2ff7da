#include "registry/schema_registry.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <thread>

namespace clickstream {
namespace {

// A stand-in registry on a loopback port chosen by the OS, answering as the Confluent API does.
class FakeRegistry {
 public:
  FakeRegistry() {
    server_.Get(R"(/prefix/schemas/ids/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
      authorization_ = req.get_header_value("Authorization");
      const std::string id = req.matches[1];
      if (id == "1") {
        res.set_content(R"({"schema":"{\"type\":\"string\"}"})", "application/json");
      } else if (id == "2") {
        res.set_content(R"({"schema":"syntax = \"proto3\";","schemaType":"PROTOBUF"})", "application/json");
      } else if (id == "3") {
        res.status = 503;
        res.set_content(R"({"error_code":50301,"message":"storage not ready"})", "application/json");
      } else if (id == "4") {
        res.status = 401;
      } else {
        res.status = 404;
        res.set_content(R"({"error_code":40403,"message":"Schema not found"})", "application/json");
      }
    });
    server_.Post("/prefix/subjects/t-value/versions",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   body_ = req.body;
                   res.set_content(R"({"id":42})", "application/json");
                 });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();  // stop() before then would be lost
  }
  ~FakeRegistry() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/prefix/"; }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::string authorization_, body_;
};

SchemaRegistryOptions Options(const std::string& url, const std::string& user = "",
                              const std::string& password_file = "") {
  SchemaRegistryOptions options;
  options.url = url;
  options.username = user;
  options.password_file = password_file;
  return options;
}

std::unique_ptr<SchemaRegistry> Open(const SchemaRegistryOptions& options) {
  auto registry = SchemaRegistry::Open(options);
  EXPECT_TRUE(registry.ok()) << registry.status().message();
  return registry.ok() ? std::move(*registry) : nullptr;
}

TEST(SchemaRegistry, FetchesSchemasAndTellsOutagesFromUnknownIds) {
  FakeRegistry fake;
  auto registry = Open(Options(fake.url()));
  const Result<std::string> schema = registry->Schema(1);
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  EXPECT_EQ(*schema, R"({"type":"string"})");
  EXPECT_EQ(fake.authorization_, "");
  EXPECT_EQ(registry->Schema(2).status().code(), StatusCode::kInvalidData);
  EXPECT_EQ(registry->Schema(3).status().code(), StatusCode::kUnavailable);
  EXPECT_NE(registry->Schema(3).status().message().find("storage not ready"), std::string::npos);
  EXPECT_EQ(registry->Schema(4).status().code(), StatusCode::kRefused);
  EXPECT_EQ(registry->Schema(99).status().code(), StatusCode::kNotFound);

  const Result<uint32_t> id = registry->Register("t-value", R"({"type":"string"})");
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_EQ(*id, 42u);
  EXPECT_EQ(fake.body_, R"({"schema":"{\"type\":\"string\"}"})");
}

TEST(SchemaRegistry, NothingListeningIsAnOutage) {
  int port;
  {
    FakeRegistry gone;
    port = gone.port_;
  }
  auto registry = Open(Options("http://127.0.0.1:" + std::to_string(port)));
  EXPECT_EQ(registry->Schema(1).status().code(), StatusCode::kUnavailable);
}

TEST(SchemaRegistry, BasicAuthenticationFromThePasswordFile) {
  FakeRegistry fake;
  const std::string file = ::testing::TempDir() + "/registry-password-" + std::to_string(::getpid());
  std::ofstream(file) << "s3cret\n";
  auto registry = Open(Options(fake.url(), "alice", file));
  ASSERT_TRUE(registry->Schema(1).ok());
  EXPECT_EQ(fake.authorization_, "Basic YWxpY2U6czNjcmV0");  // alice:s3cret
  std::remove(file.c_str());
}

TEST(SchemaRegistry, RefusesBadUrls) {
  for (const char* url : {"", "127.0.0.1:8081", "ftp://host", "http://alice:secret@127.0.0.1:8081"}) {
    const auto registry = SchemaRegistry::Open(Options(url));
    ASSERT_FALSE(registry.ok()) << url;
    EXPECT_EQ(registry.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(registry.status().message().find("secret"), std::string::npos);
  }
}

}  // namespace
}  // namespace clickstream
