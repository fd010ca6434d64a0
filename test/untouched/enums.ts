/** Enums of every kind, and namespaces merged with them. */
export enum Direction {
  Up = 1,
  Down,
  Left = Up << 2,
  Right = Left + 1,
}

export enum Color {
  Red = "RED",
  Green = "GREEN",
}

export const enum Flags {
  None = 0,
  Read = 1 << 0,
  Write = 1 << 1,
  ReadWrite = Read | Write,
}

export enum Computed {
  Length = "abc".length,
}

export namespace Direction {
  export function opposite(d: Direction): Direction {
    switch (d) {
      case Direction.Up:
        return Direction.Down;
      case Direction.Down:
        return Direction.Up;
      case Direction.Left:
        return Direction.Right;
      default:
        return Direction.Left;
    }
  }
}

export function canWrite(flags: Flags): boolean {
  return (flags & Flags.Write) !== 0;
}

export const colorNames: Record<Color, string> = {
  [Color.Red]: "red",
  [Color.Green]: "green",
};
