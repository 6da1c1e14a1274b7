pub struct RegistryView;
