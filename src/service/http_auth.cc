#include "service/http_auth.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>

namespace clickstream {
namespace {

Status FileError(const std::string& path, const std::string& what) {
  return Status::InvalidArgument("HTTP credentials file " + path + " " + what);
}

std::string_view TrimLine(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// The file's lines that are neither blank nor comments.
Result<std::vector<std::string>> ReadLines(const std::string& path) {
  std::ifstream in(path);
  if (!in) return FileError(path, "cannot be read");
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    const std::string_view t = TrimLine(line);
    if (!t.empty() && t.front() != '#') out.emplace_back(t);
  }
  if (out.empty()) return FileError(path, "is empty");
  return out;
}

std::optional<std::string> Base64Decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (const char c : in) {
    const int v = value(c);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return out;
}

// `header` without the case-insensitive `scheme` and the spaces after it, or nullopt.
std::optional<std::string_view> Credentials(std::string_view header, std::string_view scheme) {
  if (header.size() <= scheme.size()) return std::nullopt;
  for (size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i]) return std::nullopt;
  }
  header.remove_prefix(scheme.size());
  if (header.front() != ' ') return std::nullopt;
  return TrimLine(header);
}

}  // namespace

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  const size_t n = std::max(a.size(), b.size());
  volatile unsigned char diff = a.size() != b.size();
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = diff | (x ^ y);
  }
  return diff == 0;
}

Result<HttpAuth> LoadHttpAuth(const std::string& token_file, const std::string& basic_auth_file,
                              bool allow_unauthenticated) {
  HttpAuth auth;
  auth.allow_unauthenticated = allow_unauthenticated;
  if (!token_file.empty()) {
    CS_ASSIGN_OR_RETURN(const std::vector<std::string> lines, ReadLines(token_file));
    auth.bearer_token = lines.front();
  }
  if (!basic_auth_file.empty()) {
    CS_ASSIGN_OR_RETURN(auth.basic_credentials, ReadLines(basic_auth_file));
    for (const std::string& line : auth.basic_credentials) {
      if (line.find(':') == std::string::npos || line.front() == ':') {
        return FileError(basic_auth_file, "has a line that is not user:password");
      }
    }
  }
  return auth;
}

bool IsLoopbackAddress(std::string_view address) {
  return address == "localhost" || address == "::1" || address == "[::1]" || address.starts_with("127.");
}

Status CheckHttpExposure(std::string_view address, const HttpAuth& auth) {
  if (IsLoopbackAddress(address) || auth.required() || auth.allow_unauthenticated) return Status::OK();
  return Status::InvalidArgument(
      "--http-address " + std::string(address) +
      " listens beyond loopback: set --http-token-file (HTTP_TOKEN_FILE) or "
      "--http-basic-auth-file (HTTP_BASIC_AUTH_FILE), or --http-allow-unauthenticated "
      "(HTTP_ALLOW_UNAUTHENTICATED) if it is meant to be open");
}

bool Authorized(const HttpAuth& auth, std::string_view authorization) {
  if (!auth.required()) return true;
  if (const auto token = Credentials(authorization, "bearer"); token && !auth.bearer_token.empty()) {
    return ConstantTimeEquals(*token, auth.bearer_token);
  }
  const auto encoded = Credentials(authorization, "basic");
  if (!encoded) return false;
  const std::optional<std::string> given = Base64Decode(*encoded);
  if (!given) return false;
  // Every line is compared, so the time does not tell which user matched.
  bool ok = false;
  for (const std::string& line : auth.basic_credentials) ok = ConstantTimeEquals(*given, line) || ok;
  return ok;
}

}  // namespace clickstream
