# librdkafka: the C library from the confluent-kafka wheel (scripts/versions.sh pins it), with Debian 12's
# headers and C++ wrapper (librdkafka-dev 2.0.2). Debian has no newer librdkafka, and the wheel ships the
# library alone (OpenSSL, SASL and the codecs inside, nothing beyond libc), without headers.
#
# The code is written against the 2.0.2 API: librdkafka keeps its C ABI backward compatible, so it runs on
# 2.16, and newer behaviour (e.g. the KIP-848 group protocol) is reached through properties set as strings.
# scripts/install-deps.sh unpacks the library into .deps/librdkafka-<version>/lib, where librdkafka.so.1
# names it. Binaries carry that folder as DT_RPATH, not DT_RUNPATH: a RUNPATH serves only the binary's own
# dependencies, so Debian's librdkafka++ would load Debian's librdkafka.so.1 (2.0.2) beside ours.
file(STRINGS ${CMAKE_SOURCE_DIR}/scripts/versions.sh _version_line REGEX "^LIBRDKAFKA_VERSION=")
string(REGEX REPLACE "^LIBRDKAFKA_VERSION=" "" CLICKSTREAM_LIBRDKAFKA_VERSION "${_version_line}")
set(CLICKSTREAM_LIBRDKAFKA_DIR "${CMAKE_SOURCE_DIR}/.deps/librdkafka-${CLICKSTREAM_LIBRDKAFKA_VERSION}/lib"
    CACHE PATH "folder holding librdkafka.so.1 (default: from scripts/install-deps.sh)")
# The binaries refuse to run on an older librdkafka. Lowered only to measure an older library against the
# pinned one (bench/librdkafka_ab.sh builds Debian's 2.0.2 that way).
set(CLICKSTREAM_LIBRDKAFKA_MIN_VERSION "${CLICKSTREAM_LIBRDKAFKA_VERSION}"
    CACHE STRING "oldest librdkafka the binaries accept at run time (default: the pinned one)")
if(NOT EXISTS "${CLICKSTREAM_LIBRDKAFKA_DIR}/librdkafka.so.1")
  message(FATAL_ERROR "librdkafka ${CLICKSTREAM_LIBRDKAFKA_VERSION} not found in ${CLICKSTREAM_LIBRDKAFKA_DIR}: "
                      "run scripts/install-deps.sh (or `make deps`)")
endif()
pkg_check_modules(RDKAFKA_HEADERS REQUIRED rdkafka++)
find_library(_librdkafkacpp NAMES librdkafka++.so.1 rdkafka++ HINTS ${RDKAFKA_HEADERS_LIBRARY_DIRS} REQUIRED)

add_library(Rdkafka::rdkafka SHARED IMPORTED)
set_target_properties(Rdkafka::rdkafka PROPERTIES
  IMPORTED_LOCATION "${CLICKSTREAM_LIBRDKAFKA_DIR}/librdkafka.so.1"
  INTERFACE_INCLUDE_DIRECTORIES "${RDKAFKA_HEADERS_INCLUDE_DIRS}")
add_library(Rdkafka::rdkafkacpp SHARED IMPORTED)
set_target_properties(Rdkafka::rdkafkacpp PROPERTIES
  IMPORTED_LOCATION "${_librdkafkacpp}"
  INTERFACE_LINK_LIBRARIES Rdkafka::rdkafka)
add_link_options(-Wl,--disable-new-dtags)
list(APPEND CMAKE_BUILD_RPATH "${CLICKSTREAM_LIBRDKAFKA_DIR}")
