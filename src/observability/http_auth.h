// Who may use the HTTP endpoints of `clickstream run` (docs/security.md "HTTP endpoints"): a bearer
// token, users of a basic-auth file, or anyone. Listening beyond loopback requires one of the first two,
// or an explicit statement that the endpoints are meant to be open.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace clickstream {

struct HttpAuth {
  std::string bearer_token;                    // empty: no token accepted
  std::vector<std::string> basic_credentials;  // "user:password", one per accepted user
  bool allow_unauthenticated = false;          // --http-allow-unauthenticated

  // Whether a request must carry credentials.
  bool required() const { return !bearer_token.empty() || !basic_credentials.empty(); }
};

// Reads the token file (its first line) and the basic-auth file (`user:password` lines; blank lines and
// lines starting with '#' are skipped); an empty path reads nothing. An unreadable or empty file, or a
// line without ':', is a kInvalidArgument naming the file.
Result<HttpAuth> LoadHttpAuth(const std::string& token_file, const std::string& basic_auth_file,
                              bool allow_unauthenticated);

// The numeric addresses (IPv4 and IPv6 text) a host name resolves to; empty when it does not resolve.
using HostResolver = std::function<std::vector<std::string>(std::string_view host)>;
// The system's resolver (getaddrinfo: /etc/hosts, DNS, ...).
std::vector<std::string> ResolveHost(std::string_view host);

// Whether every address the server may bind for `address` is loopback: a numeric address in 127.0.0.0/8
// or ::1 (bracketed or not, IPv4-mapped too), `localhost`, or a name all of whose resolved addresses are
// loopback. Decided on addresses, not on the text: `127.lan.example` is a name like any other. A name that
// does not resolve is not loopback.
bool IsLoopbackAddress(std::string_view address, const HostResolver& resolve = ResolveHost);

// kInvalidArgument (one line naming the options) when `address` is beyond loopback and `auth` neither
// requires credentials nor allows unauthenticated access.
Status CheckHttpExposure(std::string_view address, const HttpAuth& auth,
                         const HostResolver& resolve = ResolveHost);

// Whether an Authorization header value carries accepted credentials ("Bearer <token>" or
// "Basic <base64 of user:password>"). Always true when none are required.
bool Authorized(const HttpAuth& auth, std::string_view authorization);

// Equality whose time depends on the lengths only, not on where the strings differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace clickstream
