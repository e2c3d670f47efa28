/** Password hashes. With no hash (unknown email), `verify` takes as long as a wrong password and says false. */
export abstract class PasswordHasher {
  abstract hash(password: string): Promise<string>;
  abstract verify(passwordHash: string | undefined, password: string): Promise<boolean>;
}
