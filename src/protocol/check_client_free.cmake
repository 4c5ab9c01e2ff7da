# Fails if one of the files of DIR (*.h, *.cc, the tests' *_test.cc only if TESTS is true; not those of
# its subfolders) includes, directly or transitively, a header of librdkafka, libpq or Arrow/Parquet. Each
# file is preprocessed alone (`-M`: the headers it reads) with the compiler COMPILER and the options in
# the response file FLAGS; a header not found fails as well. Touches STAMP when none does.
# Usage: cmake -DCOMPILER=... -DFLAGS=... -DDIR=... -DTESTS=ON -DSTAMP=... -P check_client_free.cmake
set(forbidden "(/librdkafka/|/libpq|/postgresql/|/arrow/|/parquet/)")
file(GLOB files ${DIR}/*.h ${DIR}/*.cc)
if(NOT TESTS)
  list(FILTER files EXCLUDE REGEX "_test\\.cc$")
endif()
set(violations "")
foreach(file IN LISTS files)
  execute_process(COMMAND ${COMPILER} @${FLAGS} -std=c++20 -x c++ -M ${file}
                  OUTPUT_VARIABLE deps ERROR_VARIABLE errors RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    string(APPEND violations "${file}: does not preprocess alone:\n${errors}\n")
    continue()
  endif()
  string(REGEX REPLACE "[ \\\\\n]+" ";" deps "${deps}")
  foreach(dep IN LISTS deps)
    if(dep MATCHES "${forbidden}")
      string(APPEND violations "${file}: includes ${dep}\n")
    endif()
  endforeach()
endforeach()
if(violations)
  message(FATAL_ERROR "src/protocol must include no client library's header:\n${violations}")
endif()
file(TOUCH ${STAMP})
