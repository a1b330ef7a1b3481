# The llm-run driver's sources, built into the llm-run executable beside a model and never into
# the runtime library. Included by every build that makes either (runtime/, test/runtime,
# test/fuzz, the ARM kernel tests) and by compiler/Emitter/EmbedSources.cmake, which hands the list
# to the emitter for out/CMakeLists.txt.
set(LLM_RUN_SOURCES llm_run.cpp llm_run_chat.cpp)  # in runtime/
list(TRANSFORM LLM_RUN_SOURCES PREPEND ${CMAKE_CURRENT_LIST_DIR}/ OUTPUT_VARIABLE LLM_RUN_SOURCE_PATHS)

# Removes the driver's sources from the list variable `sources` (runtime/*.cpp paths, spelt as the
# caller globbed them).
function(llm_run_remove_sources sources)
  set(kept)
  foreach(path IN LISTS ${sources})
    get_filename_component(name ${path} NAME)
    if(NOT name IN_LIST LLM_RUN_SOURCES)
      list(APPEND kept ${path})
    endif()
  endforeach()
  set(${sources} ${kept} PARENT_SCOPE)
endfunction()
