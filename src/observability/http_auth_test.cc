#include "observability/http_auth.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace clickstream {
namespace {

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(HttpAuthTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret2"));
  EXPECT_FALSE(ConstantTimeEquals("secret", ""));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), "a"));
}

TEST(HttpAuthTest, BearerToken) {
  auto auth = LoadHttpAuth(WriteFile("token", "s3cr3t-token\n"), "", false);
  ASSERT_TRUE(auth.ok()) << auth.status().message();
  EXPECT_TRUE(auth->required());
  EXPECT_TRUE(Authorized(*auth, "Bearer s3cr3t-token"));
  EXPECT_TRUE(Authorized(*auth, "bearer s3cr3t-token"));
  EXPECT_FALSE(Authorized(*auth, "Bearer s3cr3t-toke"));
  EXPECT_FALSE(Authorized(*auth, "Bearer "));
  EXPECT_FALSE(Authorized(*auth, "s3cr3t-token"));
  EXPECT_FALSE(Authorized(*auth, ""));
  EXPECT_FALSE(Authorized(*auth, "Basic czNjcjN0LXRva2Vu"));
}

TEST(HttpAuthTest, BasicAuthFile) {
  auto auth = LoadHttpAuth("", WriteFile("users", "# operators\nalice:pa:ss\n\nbob:hunter2\n"), false);
  ASSERT_TRUE(auth.ok()) << auth.status().message();
  EXPECT_TRUE(Authorized(*auth, "Basic YWxpY2U6cGE6c3M="));   // alice:pa:ss
  EXPECT_TRUE(Authorized(*auth, "Basic Ym9iOmh1bnRlcjI="));   // bob:hunter2
  EXPECT_FALSE(Authorized(*auth, "Basic Ym9iOmh1bnRlcjM="));  // bob:hunter3
  EXPECT_FALSE(Authorized(*auth, "Basic !!!"));
  EXPECT_FALSE(Authorized(*auth, "Bearer hunter2"));
}

TEST(HttpAuthTest, BadFiles) {
  EXPECT_EQ(LoadHttpAuth("/nonexistent/token", "", false).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadHttpAuth(WriteFile("empty", "\n# nothing\n"), "", false).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadHttpAuth("", WriteFile("nocolon", "alice\n"), false).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(HttpAuthTest, NothingRequiredAllowsEveryone) {
  HttpAuth open;
  EXPECT_FALSE(open.required());
  EXPECT_TRUE(Authorized(open, ""));
}

TEST(HttpAuthTest, ExposureBeyondLoopbackNeedsCredentialsOrConsent) {
  HttpAuth none;
  EXPECT_TRUE(CheckHttpExposure("127.0.0.1", none).ok());
  EXPECT_TRUE(CheckHttpExposure("127.0.0.2", none).ok());
  EXPECT_TRUE(CheckHttpExposure("::1", none).ok());
  EXPECT_TRUE(CheckHttpExposure("localhost", none).ok());
  const Status open = CheckHttpExposure("0.0.0.0", none);
  EXPECT_EQ(open.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(open.message().find("--http-token-file"), std::string::npos);
  EXPECT_NE(open.message().find("--http-basic-auth-file"), std::string::npos);
  EXPECT_NE(open.message().find("--http-allow-unauthenticated"), std::string::npos);
  EXPECT_EQ(open.message().find('\n'), std::string::npos);
  EXPECT_FALSE(CheckHttpExposure("::", none).ok());
  EXPECT_FALSE(CheckHttpExposure("10.0.0.5", none).ok());
  EXPECT_FALSE(CheckHttpExposure("128.0.0.1", none).ok());
  EXPECT_TRUE(CheckHttpExposure("[::1]", none).ok());
  EXPECT_TRUE(CheckHttpExposure("::ffff:127.0.0.1", none).ok());
  EXPECT_FALSE(CheckHttpExposure("::ffff:10.0.0.5", none).ok());
  HttpAuth consent;
  consent.allow_unauthenticated = true;
  EXPECT_TRUE(CheckHttpExposure("0.0.0.0", consent).ok());
  HttpAuth token;
  token.bearer_token = "t";
  EXPECT_TRUE(CheckHttpExposure("0.0.0.0", token).ok());
}

// A name is loopback only when every address it resolves to is: the text says nothing (a name such as
// 127.lan.example may resolve to a routable address, and the server would bind that).
TEST(HttpAuthTest, ANameIsJudgedByTheAddressesItResolvesTo) {
  const HostResolver resolve = [](std::string_view host) -> std::vector<std::string> {
    if (host == "127.lan.example") return {"192.168.1.20"};
    if (host == "lo.example") return {"127.0.0.1", "::1"};
    if (host == "mixed.example") return {"127.0.0.1", "10.0.0.1"};
    return {};
  };
  HttpAuth none;
  const Status routable = CheckHttpExposure("127.lan.example", none, resolve);
  EXPECT_EQ(routable.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(routable.message().find("--http-token-file"), std::string::npos);
  EXPECT_TRUE(CheckHttpExposure("lo.example", none, resolve).ok());
  EXPECT_FALSE(CheckHttpExposure("mixed.example", none, resolve).ok());
  EXPECT_FALSE(CheckHttpExposure("unknown.example", none, resolve).ok()) << "does not resolve";
  // The system's resolver, on what it answers without a network.
  EXPECT_EQ(ResolveHost("127.0.0.1"), std::vector<std::string>{"127.0.0.1"});
}

}  // namespace
}  // namespace clickstream
