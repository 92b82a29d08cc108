# Build options: few, prefixed LOUPE_, auto-detected, and loud (docs/ARCHITECTURE.md, Build options).
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-Wall> $<$<COMPILE_LANGUAGE:CXX>:-Wextra>)

find_program(LOUPE_CCACHE ccache)
if(LOUPE_CCACHE)
  set(CMAKE_C_COMPILER_LAUNCHER "${LOUPE_CCACHE}")
  set(CMAKE_CXX_COMPILER_LAUNCHER "${LOUPE_CCACHE}")
  set(CMAKE_CUDA_COMPILER_LAUNCHER "${LOUPE_CCACHE}")
endif()

# LOUPE_SANITIZE=address,undefined (any -fsanitize= list), empty for none.
set(LOUPE_SANITIZE "" CACHE STRING "Sanitizers to build with, e.g. address,undefined")
if(LOUPE_SANITIZE)
  # C and C++ only: nvcc takes neither flag.
  add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:-fsanitize=${LOUPE_SANITIZE};-fno-omit-frame-pointer>")
  add_link_options(-fsanitize=${LOUPE_SANITIZE})
endif()

# CUDA: AUTO enables it when nvcc exists; ON without nvcc is a configure error.
set(LOUPE_CUDA AUTO CACHE STRING "CUDA engines: AUTO, ON or OFF")
set_property(CACHE LOUPE_CUDA PROPERTY STRINGS AUTO ON OFF)
set(LOUPE_HAVE_CUDA OFF)
if(NOT LOUPE_CUDA STREQUAL "OFF")
  if(NOT CMAKE_CUDA_COMPILER)
    # check_language(CUDA) only searches PATH; Debian's CUDA lives in /usr/local/cuda.
    find_program(LOUPE_NVCC nvcc HINTS ENV CUDA_PATH ENV CUDA_HOME /usr/local/cuda PATH_SUFFIXES bin)
    if(LOUPE_NVCC)
      set(CMAKE_CUDA_COMPILER "${LOUPE_NVCC}")
    endif()
  endif()
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 80 90 CACHE STRING "CUDA architectures (70 and native fail with CUDA 13)")
    endif()
    # CMake 3.25 knows no C++20 flag for nvcc; the .cu files are C++17.
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_RUNTIME_LIBRARY Static)
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    set(LOUPE_HAVE_CUDA ON)
  elseif(LOUPE_CUDA STREQUAL "ON")
    message(FATAL_ERROR "LOUPE_CUDA=ON but no nvcc was found (set CMAKE_CUDA_COMPILER or use LOUPE_CUDA=AUTO)")
  endif()
endif()

# An engine's GPU path: its .cu where nvcc exists (static cudart), else the
# stub that throws CudaUnavailable with the reason. One mechanism for every engine.
function(loupe_cuda_sources target cuda_source stub_source)
  if(LOUPE_HAVE_CUDA)
    target_sources(${target} PRIVATE ${cuda_source})
    target_link_libraries(${target} PRIVATE CUDA::cudart_static)
  else()
    target_sources(${target} PRIVATE ${stub_source})
  endif()
endfunction()

# Test oracles run with Debian's interpreter, not whatever python3 is first on PATH.
set(LOUPE_PYTHON /usr/bin/python3 CACHE FILEPATH "Python with numpy/scipy/torch for reference checks")
set(LOUPE_SHARED_DATA "${CMAKE_SOURCE_DIR}/../shared/data" CACHE PATH "Real data with ground truth")
