# The topics Loupe is made of. A topic is one name here and its folders:
#   engines/<topic>/           (its CMakeLists.txt makes loupe_engines_<topic>)
#   experiments/kinds/<Topic>Kinds.{h,cpp} and <Topic>Records.h
#   panels/<topic>/<Topic>Panel.{h,cpp}   (optional: without it, runs open in the generic panel;
#                                          other .cpp files beside it are its views)
# The engines, experiments and panels folders add every topic's parts with
# the functions below, so a new topic edits no other CMake file; what is
# left is one line in each registry (registerBuiltinKinds, registerBuiltinPanels).
# docs/ARCHITECTURE.md, "Adding a topic", has the whole checklist.
set(LOUPE_TOPICS rgbd attention ssm precision specdec scaling lm)

# <Topic> of <topic>, as its file names spell it ("rgbd" → "Rgbd").
function(loupe_topic_file_name topic out)
  string(SUBSTRING "${topic}" 0 1 first)
  string(SUBSTRING "${topic}" 1 -1 rest)
  string(TOUPPER "${first}" first)
  set(${out} "${first}${rest}" PARENT_SCOPE)
endfunction()

# experiments/: every topic's kinds, linked to its engine privately (the
# experiments' public headers expose no topic engine).
function(loupe_add_topic_kinds target)
  foreach(topic IN LISTS LOUPE_TOPICS)
    loupe_topic_file_name(${topic} name)
    target_sources(${target} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/kinds/${name}Kinds.cpp)
    target_link_libraries(${target} PRIVATE loupe_engines_${topic})
  endforeach()
endfunction()

# panels/: every topic's panel that exists, with the views it splits off
# (every .cpp in its folder).
function(loupe_add_topic_panels target)
  foreach(topic IN LISTS LOUPE_TOPICS)
    loupe_topic_file_name(${topic} name)
    set(source ${CMAKE_CURRENT_SOURCE_DIR}/${topic}/${name}Panel.cpp)
    if(EXISTS ${source})
      file(GLOB parts CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${topic}/*.cpp)
      target_sources(${target} PRIVATE ${parts})
    endif()
  endforeach()
endfunction()
