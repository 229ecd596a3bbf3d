#include "cli/commands.h"

int main() { return keneya::cli::Command(); }
