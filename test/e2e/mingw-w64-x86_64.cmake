# A CMake toolchain file for cross-building an llmc output folder for 64-bit Windows with
# Debian's MinGW-w64 compiler (g++-mingw-w64-x86-64-posix: its std::thread is winpthreads):
#   cmake -S out -B out/build-windows --toolchain test/e2e/mingw-w64-x86_64.cmake
# test_windows_build.py builds with it, and runs llm-run.exe under wine64 where that is installed.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# The C++ runtime and winpthreads linked in, so that llm-run.exe runs without MinGW's DLLs
# beside it.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
