#include "lnl/generate.h"
