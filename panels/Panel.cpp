// Panel is an interface; this file gives its vtable a home for moc.
#include "panels/Panel.h"
