#include "lnl/error.h"
