# Run after authdiff is built (cmake -P): its man page, made by help2man from the CLI's own
# help, so it cannot go stale. `authdiff --help` gives NAME, SYNOPSIS, DESCRIPTION and OPTIONS;
# each subcommand's `--help` becomes a subsection of COMMANDS.
#   -DBIN=authdiff  -DHELP2MAN=help2man  -DGZIP=gzip  -DOUT=authdiff.1.gz  -DVERSION=x.y.z
execute_process(COMMAND "${BIN}" --help OUTPUT_VARIABLE top RESULT_VARIABLE failed)
if(failed)
  message(FATAL_ERROR "man page: ${BIN} --help failed")
endif()
# The subcommands: the lines under "Subcommands:" of the top-level help.
# CLI11 2.3 (Debian 12) heads them "Subcommands:", later releases "SUBCOMMANDS:".
string(REGEX REPLACE ".*\n[Ss][Uu][Bb][Cc][Oo][Mm][Mm][Aa][Nn][Dd][Ss]:\n" "" listing "${top}")
string(REPLACE "\n" ";" lines "${listing}")
set(include_text "[COMMANDS]\n")
foreach(line IN LISTS lines)
  if(NOT line MATCHES "^  ([a-z][a-z-]*) ")
    continue()
  endif()
  set(sub "${CMAKE_MATCH_1}")
  execute_process(COMMAND "${BIN}" ${sub} --help OUTPUT_VARIABLE help RESULT_VARIABLE failed)
  if(failed)
    message(FATAL_ERROR "man page: ${BIN} ${sub} --help failed")
  endif()
  # roff: a backslash is \e; a line starting with . or ' would be a request.
  string(REPLACE "\\" "\\e" help "${help}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" help "${help}")
  string(APPEND include_text ".SS \"authdiff ${sub}\"\n.nf\n${help}\n.fi\n")
endforeach()
string(APPEND include_text "[SEE ALSO]\nThe documentation in /usr/share/doc/authdiff (README.md, docs/), "
                           "and the default lists in /usr/share/authdiff/corpus.\n")
get_filename_component(dir "${OUT}" DIRECTORY)
set(include_file "${dir}/authdiff.h2m")
set(page "${dir}/authdiff.1")
file(WRITE "${include_file}" "${include_text}")
execute_process(
  COMMAND "${HELP2MAN}" --no-info --section=1 --version-string=${VERSION}
          "--name=test an API's authorization by replaying it as several principals"
          "--include=${include_file}" --output=${page} "${BIN}"
  RESULT_VARIABLE failed)
if(failed)
  message(FATAL_ERROR "help2man failed on ${BIN}")
endif()
execute_process(COMMAND "${GZIP}" -9nf "${page}" RESULT_VARIABLE failed)
if(failed)
  message(FATAL_ERROR "gzip failed on ${page}")
endif()
