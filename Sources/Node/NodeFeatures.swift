import Storage

/// Every feature this node runs, in the order of the navigation bar. A new feature is one line here
/// (besides its folder, its name in Package.swift and its commands in the CLI).
public enum NodeFeatures {
    static let all: [any NodeFeature.Type] = [
        HotlineFeature.self,
        CasesFeature.self,
        RecordFeature.self,
        ForumsFeature.self,
        AgreementsFeature.self,
        NormsFeature.self,
        ConfidenceBuildingFeature.self,
        DrillsFeature.self,
        CapacityBuildingFeature.self,
        IntelligenceFeature.self,
        DetectionFeature.self,
        DirectoryFeature.self,
        ChecksFeature.self,
        TransparencyLogFeature.self,
        LanguagesFeature.self,
    ]

    static var navigation: [NavigationEntry] { all.flatMap { $0.navigation } }

    /// Every feature's tables, in feature order: a feature's tables may refer to those of the features before it.
    public static var schemas: [Schema] { all.compactMap { $0.schema } }
}
