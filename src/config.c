#include "lnl/config.h"
