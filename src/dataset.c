#include "lnl/dataset.h"
