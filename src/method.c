#include "lnl/method.h"
