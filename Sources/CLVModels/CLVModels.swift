// CLVModels: probabilistic customer-lifetime-value models. Pure and synchronous: arrays and value types in,
// value types out; nothing here knows about storage.
