# Writes OUT (a header) with the source's git commit at build time, rewriting it only when it
# changes, so that results record the commit of the code that produced them (manifest.json).
execute_process(COMMAND git -C "${SRC}" describe --always --dirty --abbrev=40
                OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR commit STREQUAL "")
  set(commit "unknown (not built from a git checkout)")
endif()
set(text "// Generated at build time by cmake/build_info.cmake.\n#pragma once\n#define TENURE_GIT_COMMIT \"${commit}\"\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT "${old}" STREQUAL "${text}")
  file(WRITE "${OUT}" "${text}")
endif()
