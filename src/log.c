#include "lnl/log.h"
