# Writes a C++ source defining `const unsigned char NAME[]` (NUL-terminated) and `const unsigned long
# NAME_size` with the contents of INPUT, so that a text asset (the dashboard page) is served from the
# binary without a file at run time. Run as: cmake -DINPUT=.. -DOUTPUT=.. -DNAME=.. -P embed_text.cmake
file(READ "${INPUT}" content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," content "${content}")
file(WRITE "${OUTPUT}" "// Generated from ${INPUT} by cmake/embed_text.cmake.\nnamespace clickstream {\nextern const unsigned char ${NAME}[];\nextern const unsigned long ${NAME}_size;\nconst unsigned char ${NAME}[] = {${content} 0};\nconst unsigned long ${NAME}_size = sizeof ${NAME} - 1;\n}  // namespace clickstream\n")
