# Apache Arrow and Parquet C++ from the pyarrow wheel (Debian 12 packages neither).
# The wheel ships headers and versioned shared libraries but no CMake or pkg-config files, so the
# imported targets are declared here. scripts/install-deps.sh installs the pinned wheel into .deps/venv.
set(CLICKSTREAM_PYARROW_DIR "" CACHE PATH "pyarrow package directory (default: from .deps/venv)")
if(NOT CLICKSTREAM_PYARROW_DIR)
  execute_process(
    COMMAND ${CMAKE_SOURCE_DIR}/.deps/venv/bin/python -c "import pyarrow, os; print(os.path.dirname(pyarrow.__file__))"
    OUTPUT_VARIABLE CLICKSTREAM_PYARROW_DIR OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "pyarrow not found in .deps/venv: run scripts/install-deps.sh (or `make deps`)")
  endif()
endif()
file(GLOB _libarrow "${CLICKSTREAM_PYARROW_DIR}/libarrow.so.[0-9]*")
file(GLOB _libparquet "${CLICKSTREAM_PYARROW_DIR}/libparquet.so.[0-9]*")
if(NOT _libarrow OR NOT _libparquet)
  message(FATAL_ERROR "libarrow/libparquet not found in ${CLICKSTREAM_PYARROW_DIR}")
endif()

add_library(Arrow::arrow SHARED IMPORTED)
set_target_properties(Arrow::arrow PROPERTIES
  IMPORTED_LOCATION "${_libarrow}"
  INTERFACE_INCLUDE_DIRECTORIES "${CLICKSTREAM_PYARROW_DIR}/include"
  INTERFACE_COMPILE_OPTIONS "-isystem;${CLICKSTREAM_PYARROW_DIR}/include")
add_library(Arrow::parquet SHARED IMPORTED)
set_target_properties(Arrow::parquet PROPERTIES
  IMPORTED_LOCATION "${_libparquet}"
  INTERFACE_LINK_LIBRARIES Arrow::arrow)
# Binaries find the libraries in the venv at run time.
set(CMAKE_BUILD_RPATH "${CLICKSTREAM_PYARROW_DIR}")
