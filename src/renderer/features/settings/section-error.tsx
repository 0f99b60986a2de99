/** A section's load or save error, inline where it happened. */
export function SectionError({ section, message }: { section: string; message: string | null }) {
  if (!message) return null;
  return (
    <div className="dialog-error" data-testid="settings-error" data-section={section} role="alert">
      {message}
    </div>
  );
}
