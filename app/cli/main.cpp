// `loupe`: the product's command line, with the engine kinds Loupe ships.
#include "app/cli/Cli.h"

int main(int argc, char** argv) {
  loupe::KindRegistry registry;
  loupe::registerBuiltinKinds(registry);
  return loupe::runCli(argc, argv, registry);
}
