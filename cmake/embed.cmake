# Writes OUT, a C++ source defining `extern const char NAME[]` (the bytes of IN, then a NUL)
# and `extern const std::size_t NAME_size`: files too large for a string literal, embedded in
# the binary. Run at build time: cmake -DIN=file -DOUT=file.cpp -DNAME=symbol -P embed.cmake
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR size "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
# Lines of 32 bytes, so that the generated file stays readable to tools.
string(REGEX REPLACE "(('[^']+',){32})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}" "// Generated from ${IN} by cmake/embed.cmake; do not edit.\n#include <cstddef>\n"
  "extern const char ${NAME}[] = {\n${bytes}'\\0'};\nextern const std::size_t ${NAME}_size = ${size};\n")
