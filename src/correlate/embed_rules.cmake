# Writes OUT, a C++ source holding the text of every RULES_DIR/*.yaml as a built-in rule file.
file(GLOB files "${RULES_DIR}/*.yaml")
list(SORT files)
set(body "")
foreach(f IN LISTS files)
  file(READ "${f}" text)
  if(text MATCHES "\\)corroborate_rule\"")
    message(FATAL_ERROR "${f} contains the raw string delimiter )corroborate_rule\"")
  endif()
  get_filename_component(name "${f}" NAME)
  string(APPEND body "    {\"${name}\", R\"corroborate_rule(${text})corroborate_rule\"},\n")
endforeach()
file(WRITE "${OUT}.tmp" "// Generated from rules/*.yaml by embed_rules.cmake. Do not edit.
#include \"correlate/builtin_rules.h\"

namespace corroborate::correlate {

std::span<const BuiltinRuleFile> BuiltinRuleFiles() {
  static const BuiltinRuleFile kFiles[] = {
${body}  };
  return kFiles;
}

}  // namespace corroborate::correlate
")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
