#include "observability/http_auth.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>

namespace clickstream {
namespace {

Status FileError(const std::string& path, const std::string& what) {
  return Status::InvalidArgument("HTTP credentials file " + path + " " + what);
}

// For a numeric address: whether it is loopback (127.0.0.0/8, ::1, ::ffff:127.x.x.x); nullopt for a name.
std::optional<bool> NumericLoopback(std::string_view address) {
  const std::string text(address);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_V4MAPPED(&v6)) return v6.s6_addr[12] == 127;
    return static_cast<bool>(IN6_IS_ADDR_LOOPBACK(&v6));
  }
  return std::nullopt;
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

std::vector<std::string> ResolveHost(std::string_view host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::vector<std::string> out;
  if (getaddrinfo(std::string(host).c_str(), nullptr, &hints, &found) != 0) return out;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* bytes =
        a->ai_family == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(a->ai_addr)->sin_addr)
            : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(a->ai_addr)->sin6_addr);
    if ((a->ai_family == AF_INET || a->ai_family == AF_INET6) &&
        inet_ntop(a->ai_family, bytes, text, sizeof text) != nullptr) {
      out.emplace_back(text);
    }
  }
  freeaddrinfo(found);
  return out;
}

bool IsLoopbackAddress(std::string_view address, const HostResolver& resolve) {
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  if (address == "localhost") return true;
  if (const std::optional<bool> numeric = NumericLoopback(address)) return *numeric;
  const std::vector<std::string> resolved = resolve(address);
  return !resolved.empty() && std::all_of(resolved.begin(), resolved.end(), [](const std::string& a) {
    return NumericLoopback(a).value_or(false);
  });
}

Status CheckHttpExposure(std::string_view address, const HttpAuth& auth, const HostResolver& resolve) {
  if (auth.required() || auth.allow_unauthenticated || IsLoopbackAddress(address, resolve))
    return Status::OK();
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
