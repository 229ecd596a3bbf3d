#include "cli/commands.h"
#include "core/types.h"
#include "rules/engine.h"

int main() { return static_cast<int>(keneya::rules::Run() + keneya::cli::Command().amount); }
