#pragma once

// The window start-up (windowcommand.cpp) is built as a loadable module, libshoal-window.so,
// so that the headless commands never map Qt Widgets, Gui, Charts and the X and GL libraries
// that it needs: main() opens the module (windowmodule.cpp) only when it shows the window.

namespace Shoal::App {

/// The module's one exported symbol (windowmodule.map), extern "C" so that dlsym finds it
/// under this name.
inline constexpr char WindowModuleEntryName[] = "shoal_window_main";

/// The entry point: runs the window command and returns the process exit code. `argc` is
/// main's own, since QApplication keeps a reference to it for as long as it lives.
using WindowModuleEntry = int (*)(int *argc, char **argv);

/// Finds the module next to the executable or in the installed library directory, loads it
/// and runs its entry point. Without a display, or when the module cannot be loaded, prints
/// why (with the paths tried and the loader's errors) and returns 2.
int runWindowModule(int &argc, char **argv);

} // namespace Shoal::App
