import Foundation
import Languages

extension LanguageIdentifier {
    /// Why the profiles could not be read.
    public struct ProfilesMissing: Error, CustomStringConvertible {
        public let path: String
        public var description: String {
            "cannot read \(path): install the Debian package libexttextcat-data, or name the folder of TextCat profiles"
        }
    }

    /// An identifier over the TextCat profiles in `folder` (Debian's libexttextcat-data by default).
    public static func textCat(in folder: String = debianProfiles) throws(ProfilesMissing) -> LanguageIdentifier {
        var profiles: [Language: Profile] = [:]
        for (language, file) in textCatFiles {
            let path = URL(fileURLWithPath: folder).appendingPathComponent(file).path
            guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else { throw ProfilesMissing(path: path) }
            profiles[language] = Profile(textCat: contents)
        }
        return LanguageIdentifier(profiles: profiles)
    }
}
